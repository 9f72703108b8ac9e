import express, { Router, type Response } from 'express';
import { fileURLToPath } from 'node:url';
import { VigilError } from '../../core/errors.js';
import { sendProblem } from '../problem.js';

/** The page's files: plain HTML, CSS and ES modules, served as they are (no build step). */
export const PAGE_DIR = fileURLToPath(new URL('../../worklist/page/', import.meta.url));

/**
 * Nothing but our own files, no inline script, no framing: a token typed into the page cannot
 * be sent anywhere but this node. Images are our own PNGs turned into blob: URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function pageHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    // The stream's ticket is in a URL: never let it leave in a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    // A new version of the page is picked up at once; nothing here is secret.
    'Cache-Control': 'no-cache',
  });
}

/**
 * The radiologists' page: GET / and its files under /ui/. Public like GET /health: the page
 * holds no data; it asks for a token and calls the API with it.
 */
export function worklistPageRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    pageHeaders(res);
    res.sendFile('index.html', { root: PAGE_DIR });
  });
  router.use('/ui', express.static(PAGE_DIR, { index: false, dotfiles: 'deny', setHeaders: pageHeaders }));
  router.use('/ui', (req, res) => sendProblem(res, new VigilError('NOT_FOUND', `no page file ${req.path}`)));
  return router;
}
