import type { Request, RequestHandler, Response } from 'express';
import { VigilError } from '../core/errors.js';
import type { AuditEntry, AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../log/logger.js';
import { clientAddress } from './auth/authenticate.js';
import { routePatternOf } from '../auth/request.js';
import { describeError } from '../log/describe-error.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes the audit row of a request when its response starts (its status line and headers are
 * about to leave, nothing of its body has), from what authenticate() and allow() noted on it:
 * routers do nothing but declare allow() (see src/auth/allow.ts). Written before the data
 * leaves, a row is not lost to a crash during a long download, and a read whose row cannot be
 * written is refused: patient data is never served unaudited (503 AUDIT_UNAVAILABLE). A request
 * whose response never starts (the client went away first) gets its row when it closes.
 *
 * A route that streams its body starts its response with res.flushHeaders() in the handler, so
 * that this refusal reaches the error handler rather than a stream's write.
 *
 * Audited: every change (any non-GET request that passed authentication), every read of a route
 * declared with allow(), every 403, and every 401 for a token that was shown but is wrong.
 * Not audited: allowUnaudited() reads, a missing token, and 429s (a flood is counted, not logged).
 */
export function auditRequests(audit: AuditTrail, log: Logger): RequestHandler {
  return (req, res, next) => {
    let done = false;
    /** Writes the row once; false when it was due and could not be written. */
    const record = (status: number): boolean => {
      if (done) return true;
      done = true;
      const entry = auditEntryOf(req, status);
      if (!entry) return true;
      try {
        audit.record(entry);
        return true;
      } catch (err) {
        log.error('audit record failed', { method: entry.method, route: entry.route, status: entry.status, error: describeError(err) });
        return false;
      }
    };
    const writeHead = res.writeHead.bind(res);
    res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
      const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
      if (!record(status) && servesAuditedData(req, status)) {
        for (const name of DATA_HEADERS) res.removeHeader(name);
        throw new VigilError('AUDIT_UNAVAILABLE', 'this read could not be written to the audit trail, so it is refused; try again later');
      }
      return writeHead(...args);
    } as Response['writeHead'];
    res.once('close', () => {
      record(res.statusCode);
      if (req.auth && !req.access && res.statusCode < 400) {
        // A route answered without declaring its roles: any token could call it.
        log.error('route answered without allow(): declare its roles', { method: req.method, route: routePatternOf(req) ?? req.path });
      }
    });
    next();
  };
}

/** Headers a route sets for the data it was about to send, wrong on the problem sent instead. */
const DATA_HEADERS = ['content-disposition', 'content-length', 'etag', 'last-modified'] as const;

/** A successful read of a route declared with allow(): it carries patient data. */
function servesAuditedData(req: Request, status: number): boolean {
  return READS.has(req.method) && req.access?.audited === true && status >= 200 && status < 300;
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
    person: req.auth.person ?? null,
    route: routePatternOf(req) ?? req.path,
    params: access?.params ?? {},
    resources: access?.resources ?? [],
  };
}
