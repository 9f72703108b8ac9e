import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../../core/errors.js';

/** A study folder with its ground truth: the files of one series and a label.json beside them. */
export interface LabelledStudy {
  study: string;
  files: string[];
  label: 0 | 1;
  subgroups: Record<string, string>;
}

/** Files in a study folder that are not DICOM. */
const NOT_DICOM = /^(label\.json|.*\.npy|.*\.md|.*\.csv)$/i;

/**
 * Finds every folder under `root` that holds a `label.json` (as `vigil phantom` writes it, or a
 * hospital's own: `{ "positive": true, "subgroup": { "site": "B" } }`). Subgroup columns: the
 * label's `subgroup` members plus its `type`.
 */
export function findLabelledStudies(root: string): LabelledStudy[] {
  const out: LabelledStudy[] = [];
  const visit = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === 'label.json')) {
      out.push(readStudy(dir, root));
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) if (e.isDirectory()) visit(path.join(dir, e.name));
  };
  visit(root);
  if (out.length === 0) throw new VigilError('BAD_REQUEST', `no folder with a label.json under ${root}`);
  return out;
}

function readStudy(dir: string, root: string): LabelledStudy {
  const study = path.relative(root, dir) || path.basename(dir);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(dir, 'label.json'), 'utf8'));
  } catch (err) {
    throw new VigilError('BAD_REQUEST', `${study}/label.json is not readable JSON`, { cause: err });
  }
  // JSON that is not an object (`null`, a number) has no "positive": the same coded refusal, not a TypeError.
  const label: { positive?: unknown; type?: unknown; subgroup?: unknown } = parsed !== null && typeof parsed === 'object' ? parsed : {};
  if (typeof label.positive !== 'boolean') throw new VigilError('BAD_REQUEST', `${study}/label.json: "positive" must be true or false`);
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !NOT_DICOM.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
  return { study, files, label: label.positive ? 1 : 0, subgroups: subgroupsOfLabel(label) };
}

/**
 * The subgroup columns of a label: its `subgroup` members (snake_case) and its `type`. Shared by
 * folder evaluation and the trainers' scoring, so both give the same columns.
 */
export function subgroupsOfLabel(label: { type?: unknown; subgroup?: unknown }): Record<string, string> {
  const subgroups: Record<string, string> = {};
  if (label.subgroup && typeof label.subgroup === 'object') {
    for (const [k, v] of Object.entries(label.subgroup)) if (v !== null && v !== undefined) subgroups[snake(k)] = String(v);
  }
  if (typeof label.type === 'string' || label.type === null) subgroups.type = label.type ?? 'none';
  return subgroups;
}

/** sliceThicknessMm → slice_thickness_mm, so CSV columns read the same from either source. */
function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
