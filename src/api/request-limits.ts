import type { RequestHandler } from 'express';
import { VigilError } from '../core/errors.js';

/** No route of ours needs a longer URL; Node itself refuses headers past 16 KB with a bare 431. */
export const MAX_URL_LENGTH = 2048;

/** Refuses oversized URLs with a problem before any other work (auth, parsing, routing). */
export const rejectLongUrls: RequestHandler = (req, _res, next) => {
  if (req.originalUrl.length > MAX_URL_LENGTH) {
    throw new VigilError('URI_TOO_LONG', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  next();
};
