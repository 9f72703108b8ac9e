import type { Router } from 'express';
import { VigilError } from '../core/errors.js';
import { isRouteGuard } from './route-guards.js';

interface LayerLike {
  route?: { path: unknown; stack: { handle: unknown; method?: string }[] };
}

/**
 * Every route a plugin adds must begin with allow(...) or allowUnaudited(...) from the SDK, and
 * a plugin router holds routes only: a bare middleware would run for callers of any role.
 * Reads express's router stack, as test/api/routes-of.ts does.
 */
export function checkRouteGuards(router: Router, pluginId: string): void {
  for (const layer of (router as unknown as { stack: LayerLike[] }).stack) {
    const where = layer.route ? `route ${String(layer.route.path)}` : 'a middleware outside any route';
    if (!layer.route || !firstHandlerOfEachMethodIsGuard(layer.route.stack)) {
      throw new VigilError('PLUGIN_ROUTE_UNGUARDED', `plugin ${pluginId}: ${where} does not begin with allow() or allowUnaudited()`, {
        extra: { plugin: pluginId },
      });
    }
  }
}

/** router.route('/x').get(allow(), a).post(b): each method's chain must start with a guard. */
function firstHandlerOfEachMethodIsGuard(stack: { handle: unknown; method?: string }[]): boolean {
  const seen = new Set<string | undefined>();
  for (const layer of stack) {
    if (seen.has(layer.method)) continue;
    seen.add(layer.method);
    if (!isRouteGuard(layer.handle)) return false;
  }
  return stack.length > 0;
}
