import crypto from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Token secrets at rest: only a salted scrypt hash is stored, compared in constant time.
 * The parameters travel with each hash, so they can be raised later without breaking old tokens.
 */
const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * Tokens made by `vigil token create` look like `vgl_<key id>_<secret>`: the key id (public,
 * random) finds the row, so a request costs one hash check, not one per stored token.
 */
const TOKEN_PATTERN = /^vgl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function generateToken(): { keyId: string; token: string } {
  const keyId = crypto.randomBytes(6).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  return { keyId, token: `vgl_${keyId}_${secret}` };
}

/** The key id of a generated token, or undefined for any other string (the bootstrap token). */
export function keyIdOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

export async function hashToken(token: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_LENGTH);
  const hash = await scrypt(token, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyToken(token: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(token, Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** A fast fingerprint of a presented token, kept only in memory to skip re-hashing it. */
export function fingerprint(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64');
}
