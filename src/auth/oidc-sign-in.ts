import * as oidc from 'openid-client';
import type { OidcConfig } from '../config/sections/auth.js';
import { resolveSecret } from '../config/secrets.js';
import { VigilError } from '../core/errors.js';
import { roleFromClaims, textClaim } from './claim-roles.js';
import type { Auth, Person } from './token-store.js';

/** A sign-in under way: what the callback must check, kept here and never sent to the browser. */
interface Pending {
  verifier: string;
  nonce: string;
  expiresAt: number;
}

/** Time to type a password (and a second factor) at the provider. */
const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

export type SignInOutcome = { kind: 'signed-in'; auth: Auth & { person: Person }; idToken: string | null } | { kind: 'no-role'; person: Person };

/**
 * The authorization code flow with PKCE against the configured provider, through openid-client.
 * The provider's metadata is read at the first sign-in (and again after a failure), so a node
 * starts while its provider is down; tokens keep working meanwhile.
 */
export class OidcSignIn {
  private discovered: Promise<oidc.Configuration> | undefined;
  private readonly pending = new Map<string, Pending>();
  readonly callbackUrl: string;

  constructor(
    private readonly config: OidcConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.callbackUrl = `${config.publicUrl}/auth/callback`;
  }

  /** Where to send the browser, and the state that the callback must bring back (kept in a cookie). */
  async start(): Promise<{ url: URL; state: string }> {
    const provider = await this.provider();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    this.prune();
    this.pending.set(state, { verifier, nonce, expiresAt: this.now() + PENDING_MS });
    const url = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: this.callbackUrl,
      scope: this.config.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state };
  }

  /**
   * Redeems the code the provider sent back to `callback` (the URL as the browser asked for it),
   * for the sign-in this browser started (`state`, from its cookie). The role is read from the
   * ID token's claims now, at each sign-in: a person moved out of a group loses the role at
   * their next one.
   */
  async finish(callback: URL, state: string | undefined): Promise<SignInOutcome> {
    const returned = callback.searchParams.get('state');
    if (!state || returned !== state) throw new VigilError('SIGN_IN_FAILED', 'this sign-in was not started in this browser, or took too long: start again');
    const pending = this.pending.get(state);
    this.pending.delete(state);
    if (!pending || pending.expiresAt < this.now()) throw new VigilError('SIGN_IN_FAILED', 'this sign-in expired or was already used: start again');
    const provider = await this.provider();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(provider, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new VigilError('SIGN_IN_FAILED', `the provider refused the sign-in (${codeOf(err)})`);
    }
    const claims = tokens.claims() as Record<string, unknown> | undefined;
    if (!claims || typeof claims.sub !== 'string') throw new VigilError('SIGN_IN_FAILED', 'the provider sent no ID token subject');
    const username = textClaim(claims, this.config.usernameClaim) ?? claims.sub;
    const person = { subject: claims.sub, name: textClaim(claims, this.config.nameClaim) ?? username };
    const role = roleFromClaims(claims, this.config.roleClaim, this.config.roles);
    if (!role) return { kind: 'no-role', person };
    return { kind: 'signed-in', auth: { tokenName: username, role, person }, idToken: tokens.id_token ?? null };
  }

  /** The provider's sign-out address for this session, when it offers RP-initiated logout. */
  async endSessionUrl(idToken: string | null, after: string): Promise<URL | undefined> {
    const provider = await this.provider().catch(() => undefined);
    if (!provider?.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(provider, {
      post_logout_redirect_uri: after,
      client_id: this.config.clientId,
      ...(idToken ? { id_token_hint: idToken } : {}),
    });
  }

  private provider(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const secret = resolveSecret(this.config.clientSecret);
    const issuer = new URL(this.config.issuer);
    // http:// is accepted by the config for loopback providers only (a trial, the tests).
    const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    try {
      return await oidc.discovery(issuer, this.config.clientId, { client_secret: secret }, oidc.ClientSecretBasic(secret), { execute, timeout: 10 });
    } catch (err) {
      throw new VigilError('OIDC_UNAVAILABLE', `the OpenID provider's metadata could not be read from ${issuer.origin} (${codeOf(err)})`);
    }
  }

  private prune(): void {
    const now = this.now();
    for (const [state, p] of this.pending) if (p.expiresAt < now) this.pending.delete(state);
    // A flood of started sign-ins cannot grow the map: the oldest go first.
    for (const state of this.pending.keys()) {
      if (this.pending.size < MAX_PENDING) break;
      this.pending.delete(state);
    }
  }
}

/** A library error by its code or class (its message may quote what the provider sent). */
function codeOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; error?: unknown; name?: unknown };
    if (typeof e.error === 'string') return e.error;
    if (typeof e.code === 'string') return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'unknown error';
}
