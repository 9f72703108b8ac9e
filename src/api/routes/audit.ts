import { Router } from 'express';
import { allow } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import { VigilError } from '../../core/errors.js';
import { isResourceId } from '../../domain/resource-ids.js';
import { isUuid } from '../uuid.js';
import type { ApiDeps } from '../deps.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/**
 * GET /audit: the audit trail, for admins only, paged like /changes (`since` is the last `seq`
 * seen). `token=NAME` narrows to one token, `resource=ID` to acts that named a resource (a
 * DICOM resource id) or a finding (its UUID). There is no route that edits or deletes it.
 */
export function auditRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/audit', allow(), (req, res) => {
    const q = parseQuery(req, { since: 'int', limit: 'int', token: 'string', resource: 'string' });
    res.json(
      deps.audit.list({
        since: q.since ?? 0,
        limit: Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT),
        tokenName: q.token,
        resourceId: q.resource === undefined ? undefined : auditedId(q.resource),
      }),
    );
  });
  return router;
}

/** The ids an audit row can name; either kind is hex digits and dashes, nothing a LIKE reads as a wildcard. */
function auditedId(value: string): string {
  if (isResourceId(value) || isUuid(value)) return value;
  throw new VigilError('INVALID_ID', 'resource is a resource id (five groups of eight lowercase hex digits) or a finding id (a UUID)');
}
