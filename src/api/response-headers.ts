import type { RequestHandler } from 'express';

/**
 * The defaults of every answer: no browser or proxy keeps a copy (a study, a DICOM file, a
 * worklist must not outlive the session in a shared cache or on a reading-room disk), and no
 * browser guesses a type (a DICOM file or a JSON body is never run as HTML). Routes that may be
 * cached, the page's files and the icon, set their own Cache-Control.
 */
export const responseHeaders: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  next();
};
