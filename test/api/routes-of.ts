import type { Express } from 'express';

interface LayerLike {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
}

/**
 * "GET /studies/:id" for every route the app declares (routers mounted at a fixed path
 * included), read from express's router stack, so a test can check that each one is covered.
 */
export function routesOf(app: Express): string[] {
  const root = (app as unknown as { router: { stack: LayerLike[] } }).router;
  const out: string[] = [];
  walk(root.stack, '', out);
  return [...new Set(out)].sort();
}

function walk(stack: LayerLike[], prefix: string, out: string[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push(`${method.toUpperCase()} ${prefix}${String(layer.route.path)}`);
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      walk(layer.handle.stack, prefix + mount, out);
    }
  }
}
