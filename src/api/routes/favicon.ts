import fs from 'node:fs';
import { Router } from 'express';

/** Vigil's V with the red dot of a critical finding, 16, 32 and 48 px (made once with PIL). */
const ICON = fs.readFileSync(new URL('../favicon.ico', import.meta.url));

/**
 * GET /favicon.ico, public like GET /health: every browser asks for it, token or not, and a 401
 * there only fills consoles and logs. It says nothing about the node; it may be cached for a day.
 */
export function faviconRoutes(): Router {
  const router = Router();
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('image/x-icon').send(ICON);
  });
  return router;
}
