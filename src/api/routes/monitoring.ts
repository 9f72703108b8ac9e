import { Router } from 'express';
import { VigilError } from '../../core/errors.js';
import { allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

/**
 * GET /ready: 200 with each check when the node can work, else a 503 problem listing them.
 * GET /metrics: Prometheus text. A scraper holds a `service` token (an `it` token could change
 * configuration); neither route carries patient data, so neither is audited.
 */
export function monitoringRoutes(deps: Pick<ApiDeps, 'readiness' | 'metrics'>): Router {
  const router = Router();

  router.get('/ready', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    const report = deps.readiness.report();
    if (!report.ready) {
      const down = Object.entries(report.checks)
        .filter(([, c]) => !c.ok)
        .map(([name]) => name);
      throw new VigilError('NOT_READY', `not ready: ${down.join(', ')}`, { extra: { checks: report.checks } });
    }
    res.json(report);
  });

  router.get('/metrics', allowUnaudited('it', 'service'), async (req, res) => {
    parseQuery(req, {});
    const { contentType, body } = await deps.metrics.render();
    res.type(contentType).send(body);
  });

  return router;
}
