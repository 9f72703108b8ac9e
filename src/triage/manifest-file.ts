import fs from 'node:fs';
import { VigilError } from '../core/errors.js';
import { manifestSchema, type Manifest } from './manifest.js';

/** Reads and validates a manifest.json, naming every problem with its path (TRIAGE_PACK_INVALID). */
export function readManifest(file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new VigilError('TRIAGE_PACK_INVALID', `manifest ${file} is not readable JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new VigilError('TRIAGE_PACK_INVALID', `manifest is invalid: ${problems.join('; ')}`, { extra: { problems } });
  }
  return result.data;
}
