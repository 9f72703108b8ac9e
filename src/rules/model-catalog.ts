import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The model ids rules may name. The triage engine's registry is the authority; until it is wired,
 * the model packs on disk are: models/<id>/manifest.json, whose `id` (or folder name) is the id.
 */
export type ModelIds = () => readonly string[] | undefined;

export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** undefined when no model pack is installed at all: then model names cannot be checked. */
export function modelIdsFromManifests(dir = MODELS_DIR): string[] | undefined {
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
