import { Router } from 'express';
import type { NodeRole } from '../../domain/node-roles.js';
import { parseQuery } from '../query.js';

/**
 * The one public route: a liveness probe that says nothing about the node's contents, only
 * which roles this node runs (node.roles), so an operator can tell the nodes of a cluster apart.
 */
export function healthRoutes(roles: readonly NodeRole[]): Router {
  const router = Router();
  router.get('/health', (req, res) => {
    parseQuery(req, {});
    res.json({ status: 'ok', roles });
  });
  return router;
}
