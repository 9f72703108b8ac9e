import { Router } from 'express';
import { parseQuery } from '../query.js';

/** The one public route: a liveness probe that says nothing about the node's contents. */
export function healthRoutes(): Router {
  const router = Router();
  router.get('/health', (req, res) => {
    parseQuery(req, {});
    res.json({ status: 'ok' });
  });
  return router;
}
