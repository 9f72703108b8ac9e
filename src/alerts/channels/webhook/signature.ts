import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';

/**
 * HMAC-SHA256 over "<timestamp>.<body>", hex, written "sha256=<hex>". Signing the timestamp
 * with the body lets a receiver refuse a replayed request (an old timestamp) as well as a
 * forged one.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** What a receiver does (and our tests do): constant-time compare, and a bounded clock skew. */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds || !headers.signature) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
