import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeSeries, type SeriesOptions } from './dicom-fixtures.js';

/**
 * Real headers for routing tests: a small series written with dcmjs, then edited with DCMTK's
 * dcmodify the way a scanner would have filled it (requireTool 'dcmodify' first).
 * `set` inserts or overwrites attributes by tag, `erase` removes them.
 */
export interface HeaderEdits {
  set?: Record<string, string>;
  erase?: string[];
}

export function writeEditedSeries(dir: string, name: string, edits: HeaderEdits, opts: SeriesOptions = {}): string[] {
  const files = writeSeries(path.join(dir, name), { seed: name, slices: 1, ...opts });
  const args = ['-nb'];
  for (const [tag, value] of Object.entries(edits.set ?? {})) args.push('-i', `${tag}=${value}`);
  for (const tag of edits.erase ?? []) args.push('-ea', tag);
  if (args.length > 1) execFileSync('dcmodify', [...args, ...files], { stdio: 'pipe' });
  return files;
}
