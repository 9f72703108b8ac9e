import type tls from 'node:tls';
import type { FhirDestinationConfig } from '../../../config/sections/alerts.js';
import { VigilError } from '../../../core/errors.js';
import { httpFailure, httpSend } from '../http-request.js';
import { resolveSecret } from '../../../config/secrets.js';

/** Renew a client-credentials token this long before the server says it expires. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * The Authorization header for a FHIR destination: none, a fixed bearer token, or an OAuth2
 * client-credentials token (RFC 6749 §4.4) fetched when needed and kept until it nearly expires.
 */
export class FhirCredentials {
  private cached: { token: string; expiresAt: number } | undefined;

  constructor(
    private readonly dest: FhirDestinationConfig,
    private readonly tlsOptions: tls.ConnectionOptions | undefined,
  ) {}

  async header(now: number, signal: AbortSignal): Promise<string | undefined> {
    const auth = this.dest.auth;
    switch (auth.type) {
      case 'none':
        return undefined;
      case 'bearer':
        return `Bearer ${resolveSecret(auth.token)}`;
      case 'client-credentials': {
        if (!this.cached || this.cached.expiresAt <= now) this.cached = await this.fetchToken(auth, now, signal);
        return `Bearer ${this.cached.token}`;
      }
      default:
        return auth satisfies never;
    }
  }

  /** Forget a token the server refused (it may have been revoked before its time). */
  invalidate(): boolean {
    const had = this.cached !== undefined;
    this.cached = undefined;
    return had;
  }

  private async fetchToken(
    auth: Extract<FhirDestinationConfig['auth'], { type: 'client-credentials' }>,
    now: number,
    signal: AbortSignal,
  ): Promise<{ token: string; expiresAt: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(resolveSecret(auth.clientSecret))}`).toString('base64');
    const res = await httpSend({
      url: auth.tokenUrl,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', Authorization: `Basic ${basic}` },
      body: form.toString(),
      timeoutMs: this.dest.timeoutMs,
      signal,
      tls: this.tlsOptions,
    });
    const failure = httpFailure(res, 'token endpoint');
    // The token endpoint answers 400 invalid_client for bad credentials (RFC 6749 §5.2).
    if (failure)
      throw res.status === 400 ? new VigilError('ALERT_AUTH_FAILED', 'token endpoint refused our client credentials', { extra: failure.extra }) : failure;
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new VigilError('ALERT_RESPONSE_MALFORMED', 'token endpoint answered with something other than JSON');
    }
    if (typeof body.access_token !== 'string' || body.access_token === '')
      throw new VigilError('ALERT_RESPONSE_MALFORMED', 'token endpoint gave no access_token');
    const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 300_000;
    return { token: body.access_token, expiresAt: now + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS) };
  }
}
