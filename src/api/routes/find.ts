import { Router } from 'express';
import { allow, auditResources } from '../../auth/allow.js';
import { parseFindRequest } from '../find-request.js';
import { parseQuery } from '../query.js';
import { resourceView } from '../views.js';
import type { ApiDeps } from '../deps.js';

/**
 * POST /tools/find, Orthanc's search: ids (or, with Expand, the resources) at a level whose
 * main tags match. A read of patient data: the audit row lists the ids returned.
 */
export function findRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post('/tools/find', allow('radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    const { query, expand } = parseFindRequest(req.body);
    const ids = deps.index.find(query);
    auditResources(req, ids);
    res.json(expand ? ids.map((id) => resourceView(deps.index, deps.index.getResource(query.level, id)!, deps.series)) : ids);
  });
  return router;
}
