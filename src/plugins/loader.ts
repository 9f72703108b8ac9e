import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VigilError } from '../core/errors.js';

/** The plugins that ship with Vigil: <project>/plugins/<id>/index.ts. */
export const BUILTIN_PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));

const ENTRY_NAMES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];

/** A plugin folder: <folder>/<id>/index.ts (or .js). */
export interface FoundPlugin {
  id: string;
  dir: string;
  entry: string;
}

/**
 * Lists plugin folders, the shipped ones first, then each extra folder in config order. A
 * folder without an index file is not a plugin (the shipped ones may hold only data). When two
 * folders hold the same id the first wins and the later one is reported.
 */
export function discoverPlugins(folders: readonly string[]): { found: FoundPlugin[]; shadowed: FoundPlugin[] } {
  const found = new Map<string, FoundPlugin>();
  const shadowed: FoundPlugin[] = [];
  for (const folder of folders) {
    if (!fs.existsSync(folder)) continue;
    for (const name of fs.readdirSync(folder).sort()) {
      const dir = path.join(folder, name);
      const entry = ENTRY_NAMES.map((e) => path.join(dir, e)).find((f) => fs.existsSync(f));
      if (!entry) continue;
      const plugin = { id: name, dir, entry };
      if (found.has(name)) shadowed.push(plugin);
      else found.set(name, plugin);
    }
  }
  return { found: [...found.values()], shadowed };
}

/** Imports a plugin's module and returns its default export. TypeScript works because the node runs under tsx. */
export async function importPlugin(plugin: FoundPlugin): Promise<unknown> {
  registerSdkResolver();
  try {
    // The mark makes the resolve hook load the plugin's files as ES modules (sdk-resolve-hook.mjs).
    const url = new URL(pathToFileURL(plugin.entry).href);
    url.searchParams.set('vigil-plugin', '');
    const module = (await import(url.href)) as { default?: unknown };
    return module.default;
  } catch (err) {
    throw new VigilError('PLUGIN_LOAD_FAILED', `plugin ${plugin.id}: ${(err as Error).message}`, {
      cause: err,
      extra: { plugin: plugin.id },
    });
  }
}

let sdkResolverRegistered = false;

/** Once per process: 'vigil/sdk' resolves to src/plugins/sdk.ts from any folder. */
function registerSdkResolver(): void {
  if (sdkResolverRegistered) return;
  sdkResolverRegistered = true;
  // sdk.ts under tsx, sdk.js in a build: the same extension as this file.
  const sdkUrl = new URL(`./sdk${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;
  register(new URL('./sdk-resolve-hook.mjs', import.meta.url), { data: { sdkUrl } });
}
