import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import { secretValue } from './alerts.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** HTTPS, or plain HTTP to this machine only (a provider started for a test or a trial). */
const providerUrl = z.url().refine(
  (value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  },
  { message: 'must be an https:// URL (http:// only on loopback)' },
);

function isBareOrigin(value: string): boolean {
  const url = new URL(value);
  return ['http:', 'https:'].includes(url.protocol) && value === url.origin;
}

/** A claim's name; a dotted path reaches into an object (Keycloak's `realm_access.roles`). */
const claimPath = z.string().regex(/^[A-Za-z0-9_:\-/]+(\.[A-Za-z0-9_:\-/]+)*$/, 'must be a claim name, or a dotted path such as realm_access.roles');

/** For each role, the claim values (group names, group object ids, app roles) that give it. */
const roleMap = z
  .strictObject(
    Object.fromEntries(ROLES.map((role) => [role, z.array(z.string().min(1)).default([])])) as Record<
      (typeof ROLES)[number],
      z.ZodDefault<z.ZodArray<z.ZodString>>
    >,
  )
  .refine((map) => Object.values(map).some((values) => values.length > 0), { message: 'map at least one claim value to a role, or nobody can sign in' });

/**
 * Sign-in to the page through the hospital's OpenID provider (Keycloak, Entra ID, ADFS):
 * authorization code flow with PKCE, a server-side session in a cookie. Absent: the page asks
 * for an API token, as it always did. Tokens keep working for the API either way.
 */
const oidcSection = z.strictObject({
  /** The provider's issuer; its /.well-known/openid-configuration is read at the first sign-in. */
  issuer: providerUrl,
  clientId: z.string().min(1),
  /** A confidential client's secret (client_secret_basic). */
  clientSecret: secretValue,
  /**
   * The node's origin as people's browsers reach it (behind a proxy, the proxy's): the provider
   * sends them back to `<publicUrl>/auth/callback`. No path: the page lives at the root.
   */
  publicUrl: z
    .url()
    .refine(isBareOrigin, { message: 'must be the http(s) origin browsers reach the node at (scheme, host, port), with no path or trailing slash' }),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope name'))
    .default(['openid', 'profile', 'email'])
    .refine((s) => s.includes('openid'), { message: 'must include openid' }),
  /** The claim that carries groups or roles, re-read at each sign-in. */
  roleClaim: claimPath.default('groups'),
  roles: roleMap,
  /** The claim shown as the person's name (the audit trail also keeps the subject). */
  nameClaim: claimPath.default('name'),
  /** The claim that identifies the person on the worklist (claims, acknowledgements): short and unique. */
  usernameClaim: claimPath.default('preferred_username'),
  session: z
    .strictObject({
      /** Signed out after this long without a request: a reading-room PC left unlocked. */
      idleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      /** Signed out this long after sign-in, however active: a shift. */
      absoluteHours: z.number().int().min(1).max(72).default(12),
    })
    .refine((s) => s.idleMinutes <= s.absoluteHours * 60, { message: 'idleMinutes must not exceed absoluteHours', path: ['idleMinutes'] })
    .prefault({}),
});

export const authSection = z
  .strictObject({
    /**
     * Failed token checks from one address within `windowSeconds`: after `delayAfter` of them
     * each further failure is answered more slowly (doubling up to `maxDelayMs`); after
     * `blockAfter` the address gets 429 until the window ends, whatever token it presents.
     */
    throttle: z
      .strictObject({
        delayAfter: z.number().int().min(1).default(5),
        blockAfter: z.number().int().min(2).default(20),
        windowSeconds: z.number().int().min(1).max(86_400).default(900),
        maxDelayMs: z.number().int().min(0).max(60_000).default(5000),
      })
      .refine((t) => t.blockAfter > t.delayAfter, { message: 'blockAfter must be greater than delayAfter', path: ['blockAfter'] })
      .prefault({}),
    oidc: oidcSection.optional(),
  })
  .prefault({});

export type AuthConfig = z.infer<typeof authSection>;
export type ThrottleConfig = AuthConfig['throttle'];
export type OidcConfig = NonNullable<AuthConfig['oidc']>;
