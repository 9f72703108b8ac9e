import type { Request } from 'express';
import type { Auth } from './token-store.js';

/** What allow() notes about the route a request reached; the audit and metrics read it. */
export interface RouteAccess {
  /** The route pattern as declared, mount path included: `/studies/:id`, never the raw URL. */
  pattern: string;
  /** The route's parameters (ids), as matched. */
  params: Record<string, string>;
  /** Whether a successful read is audited (every change is, whatever this says). */
  audited: boolean;
  /** Resource ids the handler adds with auditResources(): what a search returned, for example. */
  resources: string[];
}

declare global {
  // express's own augmentation point (the Express namespace); an interface must be used here.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by authenticate() on every request past GET /health. */
      auth?: Auth;
      /** Set by allow() / allowUnaudited() when the request reaches a route. */
      access?: RouteAccess;
    }
  }
}

/** The pattern of the route a request reached (`/studies/:id`), mount path included, if any. */
export function routePatternOf<P>(req: Request<P>): string | undefined {
  if (req.access) return req.access.pattern;
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}
