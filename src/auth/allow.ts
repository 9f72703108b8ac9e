import type { NextFunction, Request, Response } from 'express';
import { VigilError } from '../core/errors.js';
import type { Role } from '../domain/roles.js';
import { routePatternOf, type RouteAccess } from './request.js';

/**
 * Who may call a route — read this before adding one.
 *
 *   router.get('/findings/:id', allow('radiologist'), handler);          // audited read
 *   router.post('/rules/test', allow('it'), handler);                      // changes are always audited
 *   router.get('/queues', allowUnaudited('it', 'service'), handler);      // no patient data: not audited
 *   router.delete('/models/:id', allow(), handler);                        // no roles listed: admin only
 *
 * - Every route declares its roles with allow() or allowUnaudited(), as its first handler.
 *   `admin` is always allowed and is never listed. Only GET /health is public.
 * - The token was checked before the router (authenticate()); `req.auth` is { tokenName, role }.
 * - allow(): the request is written to the audit trail (who, when, address, method, route
 *   pattern, ids, status). Use it for anything that returns patient-level data (names, IDs,
 *   dates of birth, accession numbers, tags, pixels, findings about a study) and for changes.
 *   allowUnaudited(): for reads that carry no patient data (health, metrics, configuration).
 *   Non-GET requests are audited either way.
 * - A handler that returns many resources (a search) names them with auditResources(req, ids),
 *   before it answers: the row is written as the response starts, and a read whose row cannot
 *   be written is refused with 503 (src/api/audit-requests.ts). A handler that streams its body
 *   calls res.flushHeaders() before piping, so that refusal happens in the handler.
 * - Add the route to the role matrix in test/api/role-matrix.test.ts; the suite fails for a
 *   route missing there. In tests, `await apiAs(node, 'radiologist')` (test/helpers/api.ts)
 *   gives a supertest client carrying a token of that role.
 *
 * Roles (src/domain/roles.ts), and the choices made for the core routes:
 *
 * | role        | reaches |
 * |-------------|---------|
 * | admin       | everything; alone may DELETE resources and read GET /audit |
 * | it          | config, rules, models, plugins, destinations; /system, /statistics, /ready, /metrics, /changes (ids only); no patient data |
 * | radiologist | worklist, studies and the whole DICOM hierarchy (incl. files), findings, acknowledgements, feedback |
 * | service     | what a RIS or monitor needs: browsing and /tools/find (not files), /changes, /metrics, /ready |
 *
 * IT runs the node without seeing patients; a RIS looks studies up but does not download
 * images; a Prometheus scraper gets a `service` token rather than an `it` token, which could
 * change configuration.
 */
export function allow(...roles: Role[]): Guard {
  return access(roles, true);
}

/** As allow(), for GET routes that return no patient-level data: not written to the audit trail. */
export function allowUnaudited(...roles: Role[]): Guard {
  return access(roles, false);
}

/**
 * A guard reads no route parameters of its own. Generic over them, it leaves express to infer
 * the parameters of the handlers after it from the route path (`/studies/:id` gives
 * `req.params.id: string`); `RequestHandler<any>` made every handler's `req.params` `any`.
 */
type Guard = <P>(req: Request<P>, res: Response, next: NextFunction) => void;

/** Adds ids of resources a request touched beyond its route parameters to its audit row. */
export function auditResources(req: Request, ids: readonly string[]): void {
  req.access?.resources.push(...ids);
}

function access(roles: readonly Role[], audited: boolean): Guard {
  const allowed = new Set<Role>(['admin', ...roles]);
  return (req, _res, next) => {
    req.access = noteAccess(req, audited);
    const auth = req.auth;
    if (!auth) throw new VigilError('UNAUTHORIZED', 'this route needs a bearer token (Authorization: Bearer <token>)');
    if (!allowed.has(auth.role)) {
      throw new VigilError('FORBIDDEN', `role "${auth.role}" may not ${req.method} ${req.access.pattern}`, {
        extra: { allowedRoles: [...allowed] },
      });
    }
    next();
  };
}

function noteAccess<P>(req: Request<P>, audited: boolean): RouteAccess {
  return {
    pattern: routePatternOf(req) ?? `${req.baseUrl}${req.path}`,
    params: { ...(req.params as Record<string, string>) },
    audited,
    resources: [],
  };
}
