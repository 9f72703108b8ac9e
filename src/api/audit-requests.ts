import type { Request, RequestHandler } from 'express';
import type { AuditEntry, AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../log/logger.js';
import { clientAddress } from './auth/authenticate.js';
import { routePatternOf } from './auth/request.js';
import { describeError } from '../log/describe-error.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes the audit row of a request once its response is over, from what authenticate() and
 * allow() noted on it: routers do nothing but declare allow() (see src/api/auth/allow.ts).
 *
 * Audited: every change (any non-GET request that passed authentication), every read of a route
 * declared with allow(), every 403, and every 401 for a token that was shown but is wrong.
 * Not audited: allowUnaudited() reads, a missing token, and 429s (a flood is counted, not logged).
 */
export function auditRequests(audit: AuditTrail, log: Logger): RequestHandler {
  return (req, res, next) => {
    res.once('close', () => {
      const entry = auditEntryOf(req, res.statusCode);
      if (req.auth && !req.access && res.statusCode < 400) {
        // A route answered without declaring its roles: any token could call it.
        log.error('route answered without allow(): declare its roles', { method: req.method, route: routePatternOf(req) ?? req.path });
      }
      if (!entry) return;
      try {
        audit.record(entry);
      } catch (err) {
        log.error('audit record failed', { method: entry.method, route: entry.route, status: entry.status, error: describeError(err) });
      }
    });
    next();
  };
}

/** The audit row for a finished request, or undefined when it is not audited (rules above). */
export function auditEntryOf(req: Request, status: number): AuditEntry | undefined {
  if (status === 429) return undefined;
  const base = { address: clientAddress(req), method: req.method, status };
  if (!req.auth) {
    if (status !== 401 || req.get('authorization') === undefined) return undefined;
    return { ...base, tokenName: null, role: null, route: req.path, params: {}, resources: [] };
  }
  const access = req.access;
  const audited = !READS.has(req.method) || access?.audited === true || status === 403;
  if (!audited) return undefined;
  return {
    ...base,
    tokenName: req.auth.tokenName,
    role: req.auth.role,
    route: routePatternOf(req) ?? req.path,
    params: access?.params ?? {},
    resources: access?.resources ?? [],
  };
}
