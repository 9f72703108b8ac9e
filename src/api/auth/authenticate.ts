import type { Request, RequestHandler, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '../../errors.js';
import type { TokenStore } from '../../auth/token-store.js';
import type { FailureThrottle } from './failure-throttle.js';
import './request.js';

/** Longer headers are not tokens of ours; refusing them early bounds the hashing work. */
const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/i;

/**
 * Every request past this point carries a valid bearer token (RFC 6750), or gets a 401
 * problem. Failures from one address are slowed down and eventually refused with 429, before
 * any token is checked.
 */
export function authenticate(tokens: TokenStore, throttle: FailureThrottle): RequestHandler {
  return async (req, res, next) => {
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
    const auth = token ? await tokens.authenticate(token) : undefined;
    if (!auth) {
      const delayMs = throttle.failed(address);
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
