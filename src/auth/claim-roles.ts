import { ROLES, type Role } from '../domain/roles.js';

/** Role precedence when a person's claim maps to several: the broadest wins. */
const PRECEDENCE: readonly Role[] = ROLES;

/** A claim's value by name or dotted path (`realm_access.roles`); undefined when absent. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A claim read as text, when it is one (a name, a username). */
export function textClaim(claims: Record<string, unknown>, path: string): string | undefined {
  const value = claimAt(claims, path);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The role a person's claims give: the configured claim (a list of groups or roles, or one
 * string) matched against each role's values. Several match: the first of admin, it,
 * radiologist, service. None: undefined, and the person is refused.
 */
export function roleFromClaims(claims: Record<string, unknown>, roleClaim: string, roles: Record<Role, readonly string[]>): Role | undefined {
  const raw = claimAt(claims, roleClaim);
  const values = new Set((Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string'));
  return PRECEDENCE.find((role) => roles[role].some((value) => values.has(value)));
}
