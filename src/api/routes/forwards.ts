import { Router } from 'express';
import { JOB_STATES, type JobState } from '../../queue/job-store.js';
import type { RuleForwarder } from '../../rules/forwarder.js';
import { allowUnaudited } from '../../auth/allow.js';
import { oneOf, parseQuery } from '../query.js';

/** The rules' forward queue, for IT: series ids, destinations, attempts and errors; no patient data. */
export function forwardRoutes(forwards: Pick<RuleForwarder, 'jobs'>): Router {
  const router = Router();
  router.get('/rules/forwards', allowUnaudited('it', 'service'), (req, res) => {
    const q = parseQuery(req, { state: 'string', limit: 'int' });
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    res.json(forwards.jobs({ state: oneOf<JobState>(q.state, JOB_STATES, 'state'), limit }));
  });
  return router;
}
