// Module resolution hook (node:module register) for plugins loaded at run time.
//  - 'vigil/sdk' resolves to src/plugins/sdk.ts from any folder, so a plugin in a hospital's own
//    folder needs no node_modules of its own.
//  - A plugin's files are ES modules even where no package.json says "type": "module" (a bare
//    hospital folder would otherwise make them CommonJS, where this hook does not apply). The
//    host marks a plugin's entry with ?vigil-plugin; the mark passes to its relative imports.
// Plain JavaScript: hooks run in the loader thread, which may not load TypeScript.
const MARK = 'vigil-plugin';
let sdkUrl;

export function initialize(data) {
  sdkUrl = data.sdkUrl;
}

export async function resolve(specifier, context, next) {
  // Through the next hooks (tsx), which must see the TypeScript file to load it.
  if (specifier === 'vigil/sdk') return next(sdkUrl, context);
  const marked = context.parentURL && new URL(context.parentURL).searchParams.has(MARK);
  const resolved = await next(specifier, context);
  if (!resolved.url.startsWith('file:')) return resolved;
  const url = new URL(resolved.url);
  if (!marked && !url.searchParams.has(MARK)) return resolved;
  if (url.pathname.includes('/node_modules/')) return resolved;
  url.searchParams.set(MARK, '');
  return { ...resolved, url: url.href, format: 'module' };
}
