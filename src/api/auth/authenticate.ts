import type { Request, RequestHandler, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { isVigilError, VigilError } from '../../core/errors.js';
import type { Auth, TokenCheck, TokenStore } from '../../auth/token-store.js';
import type { FailureThrottle } from './failure-throttle.js';
import '../../auth/request.js';

/** Longer headers are not tokens of ours; refusing them early bounds the hashing work. */
const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/i;

/**
 * Every request past this point carries a valid bearer token (RFC 6750), or gets a 401
 * problem. Failures from one address are slowed down and eventually refused with 429, before
 * any token is checked. A token that cannot be ours fails without hashing; one that needs its
 * scrypt check is counted as a failure first (forgiven when it checks out), so a burst of
 * parallel guesses meets the 429 instead of the thread pool. Hashes take turns (HashSlots):
 * when too many wait, the answer is 503 with Retry-After.
 */
export function authenticate(tokens: TokenStore, throttle: FailureThrottle): RequestHandler {
  return async (req, res, next) => {
    // Signed in on the page through the OpenID provider (sessionAuthenticate(), before this).
    if (req.auth) return next();
    const header = req.get('authorization');
    if (header === undefined) {
      challenge(res);
      throw new VigilError('UNAUTHORIZED', 'this route needs a bearer token (Authorization: Bearer <token>)');
    }
    const address = clientAddress(req);
    const verdict = throttle.check(address);
    if (verdict.kind === 'blocked') {
      res.set('Retry-After', String(verdict.retryAfterSeconds));
      throw new VigilError('TOO_MANY_REQUESTS', 'too many failed token checks from this address; try again later');
    }
    const token = BEARER.exec(header)?.[1];
    const found: TokenCheck = token ? tokens.check(token) : { kind: 'refused' };
    let auth: Auth | undefined;
    let delayMs = 0;
    if (found.kind === 'known') auth = found.auth;
    else if (found.kind === 'refused') delayMs = throttle.failed(address);
    else {
      // Counted before awaiting: a request sharing another's check costs no hash of its own.
      const counted = found.shared ? undefined : throttle.failed(address);
      auth = await found.result.catch((err: unknown) => {
        if (isVigilError(err, 'AUTH_BUSY')) res.set('Retry-After', '1');
        throw err;
      });
      if (auth && counted !== undefined) throttle.forgive(address);
      if (!auth) delayMs = counted ?? throttle.failed(address);
    }
    if (!auth) {
      if (delayMs > 0) await sleep(delayMs);
      challenge(res, 'invalid_token');
      throw new VigilError('UNAUTHORIZED', token ? 'the bearer token is unknown or revoked' : 'the Authorization header is not "Bearer <token>"');
    }
    req.auth = auth;
    next();
  };
}

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function challenge(res: Response, error?: 'invalid_token'): void {
  res.set('WWW-Authenticate', error ? `Bearer realm="vigil", error="${error}"` : 'Bearer realm="vigil"');
}
