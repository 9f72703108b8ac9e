import fs from 'node:fs';
import { VigilError } from '../../core/errors.js';

/** One scored study: its truth, the model's score, and the subgroups it belongs to. */
export interface ScoredStudy {
  study: string;
  label: 0 | 1;
  score: number;
  subgroups: Record<string, string>;
}

/** Columns that are not subgroups. */
const CORE = new Set(['study', 'label', 'score']);

/**
 * Reads a CSV with a header row holding `study`, `label` (0/1, or negative/positive) and `score`
 * (any real; higher means more likely positive); every other column is a subgroup.
 */
export function readScoresCsv(file: string): ScoredStudy[] {
  return parseScores(fs.readFileSync(file, 'utf8'), file);
}

export function parseScores(text: string, source = 'CSV'): ScoredStudy[] {
  const rows = parseCsv(text).filter((r) => r.some((c) => c.trim() !== ''));
  const header = rows.shift()?.map((h) => h.trim()) ?? [];
  for (const col of CORE) {
    if (!header.includes(col)) throw new VigilError('BAD_REQUEST', `${source}: missing column "${col}" (need study, label, score)`);
  }
  const col = (name: string) => header.indexOf(name);
  return rows.map((r, i) => {
    const line = i + 2;
    if (r.length !== header.length) throw new VigilError('BAD_REQUEST', `${source} line ${line}: ${r.length} fields, the header has ${header.length}`);
    const label = parseLabel(r[col('label')]!.trim());
    if (label === null) throw new VigilError('BAD_REQUEST', `${source} line ${line}: label must be 0/1, negative/positive or false/true`);
    const score = Number(r[col('score')]);
    if (r[col('score')]!.trim() === '' || !Number.isFinite(score)) throw new VigilError('BAD_REQUEST', `${source} line ${line}: score is not a number`);
    const subgroups: Record<string, string> = {};
    header.forEach((h, k) => {
      if (!CORE.has(h)) subgroups[h] = r[k]!.trim();
    });
    return { study: r[col('study')]!.trim(), label, score, subgroups };
  });
}

function parseLabel(v: string): 0 | 1 | null {
  const s = v.toLowerCase();
  if (s === '1' || s === 'positive' || s === 'true') return 1;
  if (s === '0' || s === 'negative' || s === 'false') return 0;
  return null;
}

/** RFC 4180 fields: commas, double quotes, doubled quotes inside quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Writes scores back as CSV (subgroup columns in a stable order). */
export function scoresToCsv(studies: readonly ScoredStudy[]): string {
  const groups = [...new Set(studies.flatMap((s) => Object.keys(s.subgroups)))];
  const esc = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [['study', 'label', 'score', ...groups].join(',')];
  for (const s of studies) lines.push([esc(s.study), String(s.label), String(s.score), ...groups.map((g) => esc(s.subgroups[g] ?? ''))].join(','));
  return `${lines.join('\n')}\n`;
}
