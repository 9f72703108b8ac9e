import fs from 'node:fs';
import path from 'node:path';

/**
 * The model ids rules may name: the packs the node runs, in `triage.modelsDir` (never the
 * repository's own `models/`, which a site may not use), each `<dir>/<id>/manifest.json` whose
 * `id` (or folder name) is the id. Read from disk, not from the triage registry, so that
 * `vigil rules check` gives the same answer without a running node.
 */
export type ModelIds = () => readonly string[] | undefined;

/** undefined when no model pack is installed at all: then model names cannot be checked. */
export function modelIdsFromManifests(dir: string): string[] | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const ids: string[] = [];
  for (const entry of fs.readdirSync(dir).sort()) {
    const manifest = path.join(dir, entry, 'manifest.json');
    if (!fs.existsSync(manifest)) continue;
    try {
      const id = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { id?: unknown }).id;
      ids.push(typeof id === 'string' && id.length > 0 ? id : entry);
    } catch {
      ids.push(entry);
    }
  }
  return ids.length > 0 ? ids : undefined;
}
