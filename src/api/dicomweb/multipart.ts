import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Response } from 'express';

/** One part of a multipart/related answer: a file read as it is sent, or bytes at hand. */
export type Part = { contentType: string; file: string } | { contentType: string; bytes: Buffer };

/**
 * Sends parts as multipart/related (RFC 2387, PS3.18 8.6.1.2), one after the other: a file
 * is streamed, never held whole. The headers leave first, so that the audit row is written (or
 * the read refused) before any byte of a file (src/api/audit-requests.ts).
 */
export async function sendMultipart(res: Response, type: string, parts: readonly Part[]): Promise<void> {
  const boundary = crypto.randomBytes(16).toString('hex');
  res.status(200);
  res.setHeader('Content-Type', `multipart/related; type="${type}"; boundary=${boundary}`);
  res.flushHeaders();
  for (const part of parts) {
    res.write(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n\r\n`);
    if ('bytes' in part) res.write(part.bytes);
    else await pipeFile(res, part.file);
    res.write('\r\n');
  }
  res.end(`--${boundary}--\r\n`);
}

function pipeFile(res: Response, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file);
    stream.on('error', reject);
    stream.on('end', () => resolve());
    stream.pipe(res, { end: false });
  });
}
