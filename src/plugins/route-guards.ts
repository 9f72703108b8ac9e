import type { RequestHandler } from 'express';
import { allow as coreAllow, allowUnaudited as coreAllowUnaudited } from '../auth/allow.js';
import type { Role } from '../domain/roles.js';

/**
 * The core's route guards, as plugins get them from the SDK. Each guard made here is marked,
 * so the host can check at load that every route of a plugin begins with one: a plugin route
 * that forgot its roles is refused rather than served to every token. The mark is a registered
 * symbol, not module state, because a plugin's copy of the SDK may be a separate module
 * instance (ESM for the plugin, CommonJS for a host loaded through require).
 */
const GUARD = Symbol.for('vigil.plugin-route-guard');

/** Only these roles (and admin) may call the route; the call is written to the audit trail. */
export function allow(...roles: Role[]): RequestHandler {
  return mark(coreAllow(...roles));
}

/** As allow(), for GET routes that return no patient-level data: not audited. */
export function allowUnaudited(...roles: Role[]): RequestHandler {
  return mark(coreAllowUnaudited(...roles));
}

export function isRouteGuard(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as unknown as Record<symbol, unknown>)[GUARD] === true;
}

function mark(guard: RequestHandler): RequestHandler {
  return Object.assign(guard, { [GUARD]: true });
}
