import { Router } from 'express';
import { allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

/**
 * GET /plugins: every plugin found or enabled, with its version, state, last error and hook
 * counts (no patient data: not audited). Each active plugin's own routes live under
 * /plugins/<id>, guarded by the roles the plugin declared.
 */
export function pluginRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/plugins', allowUnaudited('it', 'service'), (req, res) => {
    parseQuery(req, {});
    res.json(deps.plugins?.list() ?? []);
  });
  for (const { id, router: own } of deps.plugins?.routers() ?? []) router.use(`/plugins/${id}`, own);
  return router;
}
