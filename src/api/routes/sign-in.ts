import { Router, type Request, type Response } from 'express';
import { isVigilError, VigilError } from '../../core/errors.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { Person } from '../../auth/token-store.js';
import type { OidcSignIn } from '../../auth/oidc-sign-in.js';
import { csrfMatches, type SessionStore } from '../../auth/session-store.js';
import type { Logger } from '../../log/logger.js';
import { clientAddress } from '../auth/authenticate.js';
import { CSRF_HEADER, type SessionCookies } from '../auth/session-cookie.js';
import { sendProblem } from '../problem.js';
import { pageHeaders } from './worklist-page.js';

export interface SignInDeps {
  audit: AuditTrail;
  log: Logger;
  /** Absent when auth.oidc is not configured: the page then asks for a token. */
  oidc?: { signIn: OidcSignIn; sessions: SessionStore; cookies: SessionCookies; publicUrl: string };
}

/**
 * The page's sign-in, public like the page itself:
 * - GET /auth/config: how to sign in here (`oidc` or `token`);
 * - GET /auth/login: off to the provider (code flow with PKCE);
 * - GET /auth/callback: back from it; a session cookie, or a page saying why not;
 * - GET /auth/session: who the cookie signs in, and the CSRF token the page sends with changes;
 * - POST /auth/logout: ends the session (CSRF token required), and names the provider's sign-out.
 * Sign-ins, refusals and sign-outs are written to the audit trail with the person.
 */
export function signInRoutes(deps: SignInDeps): Router {
  const router = Router();
  router.get('/auth/config', (_req, res) => {
    res.json({ signIn: deps.oidc ? 'oidc' : 'token' });
  });
  const oidc = deps.oidc;
  if (!oidc) return router;
  const { signIn, sessions, cookies } = oidc;

  const audit = (req: Request, route: string, status: number, person: Person, who: { tokenName: string | null; role: string | null }) => {
    try {
      deps.audit.record({ ...who, address: clientAddress(req), method: req.method, route, params: {}, resources: [], status, person });
    } catch (err) {
      deps.log.error('audit record failed', { route, status, error: isVigilError(err) ? err.code : 'write failed' });
    }
  };

  router.get('/auth/login', async (_req, res) => {
    try {
      const { url, state } = await signIn.start();
      cookies.setLogin(res, state);
      res.redirect(303, url.href);
    } catch (err) {
      messagePage(
        res,
        asVigilError(err),
        'The sign-in could not start',
        'The hospital sign-in service cannot be reached from Vigil. Try again in a minute; if it keeps failing, call IT.',
      );
    }
  });

  router.get('/auth/callback', async (req, res) => {
    cookies.clearLogin(res);
    try {
      const outcome = await signIn.finish(new URL(req.originalUrl, oidc.publicUrl), cookies.loginStateOf(req));
      if (outcome.kind === 'no-role') {
        audit(req, '/auth/callback', 403, outcome.person, { tokenName: null, role: null });
        deps.log.warn('sign-in refused: no mapped role in the configured claim', { subject: outcome.person.subject });
        return messagePage(
          res,
          new VigilError('SIGN_IN_NO_ROLE', 'no role'),
          'No access to Vigil',
          `You are signed in at the hospital as ${outcome.person.name}, but your account is in none of the groups that give a role in Vigil. Ask IT to add you to the right group, then sign in again.`,
        );
      }
      sessions.sweep();
      const { id } = sessions.open(outcome.auth, outcome.idToken);
      cookies.setSession(res, id);
      audit(req, '/auth/callback', 303, outcome.auth.person, { tokenName: outcome.auth.tokenName, role: outcome.auth.role });
      res.redirect(303, '/');
    } catch (err) {
      const e = asVigilError(err);
      messagePage(res, e, 'The sign-in did not complete', `${e.message}.`);
    }
  });

  router.get('/auth/session', (req, res) => {
    const id = cookies.sessionOf(req);
    const session = id === undefined ? undefined : sessions.find(id);
    if (!session) {
      if (id !== undefined) cookies.clearSession(res);
      return sendProblem(res, new VigilError('UNAUTHORIZED', 'not signed in'));
    }
    res.json({
      name: session.auth.person!.name,
      username: session.auth.tokenName,
      role: session.auth.role,
      csrfToken: session.csrf,
      endsAt: new Date(session.endsAt).toISOString(),
    });
  });

  router.post('/auth/logout', async (req, res) => {
    const id = cookies.sessionOf(req);
    const session = id === undefined ? undefined : sessions.find(id);
    if (session && !csrfMatches(session, req.get(CSRF_HEADER))) {
      return sendProblem(res, new VigilError('CSRF_REFUSED', `sign-out needs the session's CSRF token in ${CSRF_HEADER}`));
    }
    if (id !== undefined) sessions.end(id);
    cookies.clearSession(res);
    if (session) audit(req, '/auth/logout', 200, session.auth.person!, { tokenName: session.auth.tokenName, role: session.auth.role });
    // Where the provider offers it, its own session ends too (else the next sign-in is silent).
    const provider = session ? await signIn.endSessionUrl(session.idToken, `${oidc.publicUrl}/`) : undefined;
    res.json({ signedOut: true, providerLogout: provider?.href ?? null });
  });
  return router;
}

function asVigilError(err: unknown): VigilError {
  return err instanceof VigilError ? err : new VigilError('SIGN_IN_FAILED', 'the sign-in could not be completed');
}

/** A small page people can read (the strict CSP of the worklist page, no script). */
function messagePage(res: Response, err: VigilError, title: string, text: string): void {
  pageHeaders(res);
  res.status(err.status).type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · Vigil</title>
<link rel="stylesheet" href="/ui/style.css"></head>
<body><main class="sign-in" id="sign-in-message" data-code="${escape(err.code)}">
<h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/auth/login">Sign in again</a> · <a href="/">Worklist</a></p>
</main></body></html>`);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
