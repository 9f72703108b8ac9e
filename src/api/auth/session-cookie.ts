import type { Request, RequestHandler, Response } from 'express';
import { VigilError } from '../../core/errors.js';
import { csrfMatches, type PageSession, type SessionStore } from '../../auth/session-store.js';

/** Requests that change nothing: the only ones a session cookie may make without its CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The cookies of a page session. Over HTTPS the session cookie is `__Host-` prefixed and Secure
 * (the browser then refuses it from any other path, host or a plain-HTTP page).
 */
export class SessionCookies {
  readonly session: string;
  readonly login: string;

  constructor(
    readonly secure: boolean,
    private readonly maxAgeSeconds: number,
  ) {
    this.session = secure ? '__Host-vigil_session' : 'vigil_session';
    this.login = secure ? '__Secure-vigil_login' : 'vigil_login';
  }

  sessionOf(req: Request): string | undefined {
    return readCookie(req, this.session);
  }

  loginStateOf(req: Request): string | undefined {
    return readCookie(req, this.login);
  }

  /** Strict: never sent with a request another site starts, a link or a form included. */
  setSession(res: Response, id: string): void {
    res.append('Set-Cookie', this.serialize(this.session, id, { path: '/', sameSite: 'Strict', maxAge: this.maxAgeSeconds }));
  }

  clearSession(res: Response): void {
    res.append('Set-Cookie', this.serialize(this.session, '', { path: '/', sameSite: 'Strict', maxAge: 0 }));
  }

  /**
   * The state of a sign-in under way. Lax, unlike the session: the provider's redirect back is a
   * navigation from another site, which a Strict cookie would not follow. It signs nobody in.
   */
  setLogin(res: Response, state: string): void {
    res.append('Set-Cookie', this.serialize(this.login, state, { path: '/auth/callback', sameSite: 'Lax', maxAge: 600 }));
  }

  clearLogin(res: Response): void {
    res.append('Set-Cookie', this.serialize(this.login, '', { path: '/auth/callback', sameSite: 'Lax', maxAge: 0 }));
  }

  private serialize(name: string, value: string, o: { path: string; sameSite: 'Strict' | 'Lax'; maxAge: number }): string {
    return [`${name}=${value}`, `Path=${o.path}`, `Max-Age=${o.maxAge}`, 'HttpOnly', `SameSite=${o.sameSite}`, ...(this.secure ? ['Secure'] : [])].join('; ');
  }
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * A request without an Authorization header but with a session cookie is the page of a person
 * signed in through the provider: req.auth is theirs. A change (anything but GET/HEAD/OPTIONS)
 * must also carry the session's CSRF token in X-CSRF-Token, or it is refused with 403: the
 * cookie goes with any request the browser makes, the token only with the page's own.
 * A cookie of no live session (ended, expired, tampered with) is a 401 that says so.
 * A bearer token, when there is one, is what counts (authenticate(), after this).
 */
export function sessionAuthenticate(sessions: SessionStore, cookies: SessionCookies): RequestHandler {
  return (req, res, next) => {
    const id = req.get('authorization') === undefined ? cookies.sessionOf(req) : undefined;
    if (id === undefined) return next();
    const session: PageSession | undefined = sessions.find(id);
    if (!session) {
      cookies.clearSession(res);
      throw new VigilError('UNAUTHORIZED', 'your session has ended (signed out, idle too long, or past its limit): sign in again');
    }
    req.auth = session.auth;
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(session, req.get(CSRF_HEADER))) {
      throw new VigilError('CSRF_REFUSED', `a change made with the session cookie needs the session's CSRF token in ${CSRF_HEADER}`);
    }
    next();
  };
}
