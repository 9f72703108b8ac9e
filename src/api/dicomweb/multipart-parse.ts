import { VigilError } from '../../core/errors.js';

export interface ReceivedPart {
  contentType: string;
  body: Buffer;
}

/** The boundary of a multipart/related Content-Type whose `type` is `expectedType`; otherwise a 415 problem. */
export function relatedBoundary(contentType: string | undefined, expectedType: string): string {
  const [media, ...params] = (contentType ?? '').split(';').map((p) => p.trim());
  const param = (name: string) =>
    params
      .find((p) => p.toLowerCase().startsWith(`${name}=`))
      ?.slice(name.length + 1)
      .replace(/^"|"$/g, '');
  const type = param('type');
  if (media?.toLowerCase() !== 'multipart/related' || (type !== undefined && type.toLowerCase() !== expectedType)) {
    throw new VigilError('DICOMWEB_UNSUPPORTED_MEDIA_TYPE', `the body must be multipart/related; type="${expectedType}"`);
  }
  const boundary = param('boundary');
  if (!boundary || boundary.length > 70) throw new VigilError('BAD_REQUEST', 'multipart/related needs a boundary of 1-70 characters');
  return boundary;
}

/** Splits a multipart body (RFC 2046 5.1) into its parts; a body without its closing delimiter is a 400. */
export function splitMultipart(body: Buffer, boundary: string): ReceivedPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: ReceivedPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new VigilError('BAD_REQUEST', 'the multipart body holds no part');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (body.toString('latin1', afterDelimiter, afterDelimiter + 2) === '--') return parts;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), afterDelimiter);
    if (next < 0) throw new VigilError('BAD_REQUEST', 'the multipart body ends before its closing boundary');
    const part = body.subarray(afterDelimiter + 2, next); // past the CRLF that ends the delimiter line
    if (part.toString('latin1', 0, 2) === '\r\n') {
      parts.push({ contentType: '', body: part.subarray(2) }); // a part without headers
      at = next + 2;
      continue;
    }
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new VigilError('BAD_REQUEST', 'a part of the multipart body has no header block');
    const headers = part.toString('latin1', 0, headerEnd).split('\r\n');
    const contentType =
      headers
        .find((h) => /^content-type:/i.test(h))
        ?.slice('content-type:'.length)
        .trim() ?? '';
    parts.push({ contentType, body: part.subarray(headerEnd + 4) });
    at = next + 2;
  }
}
