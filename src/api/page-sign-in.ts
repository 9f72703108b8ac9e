import type { Clock } from '../core/clock.js';
import type { OidcConfig } from '../config/sections/auth.js';
import type { Db } from '../db/database.js';
import { OidcSignIn } from '../auth/oidc-sign-in.js';
import { SessionStore } from '../auth/session-store.js';
import { SessionCookies } from './auth/session-cookie.js';

export type PageSignIn = { signIn: OidcSignIn; sessions: SessionStore; cookies: SessionCookies; publicUrl: string };

/** The page's sign-in through the OpenID provider, when auth.oidc is configured. */
export function pageSignIn(config: OidcConfig | undefined, db: Db, clock: Clock): PageSignIn | undefined {
  if (!config) return undefined;
  const now = () => clock.now();
  return {
    signIn: new OidcSignIn(config),
    sessions: new SessionStore(db, config.session, now),
    cookies: new SessionCookies(config.publicUrl.startsWith('https:'), config.session.absoluteHours * 3600),
    publicUrl: config.publicUrl,
  };
}
