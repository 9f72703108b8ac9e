import type { Db } from '../db/database.js';
import { caseInsensitiveLike, jsonArrayElements, jsonFieldByParam, jsonFieldParam } from '../db/dialect.js';
import type { Level } from '../domain/resource-ids.js';

/**
 * Searching the hierarchy by main tags (POST /tools/find). Criteria come validated from the API:
 * a level, a keyword known at that level (it names a JSON path, and is bound as a parameter
 * anyway) and how to match. SQL narrows the rows (LIKE with an ESCAPE, equality, ranges); the
 * exact DICOM semantics (case, non-ASCII) are checked here in code on what SQL returns.
 */
export type TagMatch =
  /** DICOM wildcards: `*` any run, `?` one character; without them, an exact match. */
  | { kind: 'wildcard'; pattern: string; caseSensitive: boolean }
  /** An inclusive range of DA values (YYYYMMDD); either end may be open. */
  | { kind: 'range'; from: string | null; to: string | null }
  /** Any of these exact values (a DICOM list of UIDs, PS3.4 C.2.2.2.2). */
  | { kind: 'list'; values: readonly string[] };

export interface FindCriterion {
  /** The level whose main tags hold the keyword: the searched level or one above it. */
  level: Level;
  keyword: string;
  match: TagMatch;
}

export interface FindQuery {
  level: Level;
  criteria: readonly FindCriterion[];
  /** Matches to skip (Orthanc's Since), then at most `limit` ids. */
  since: number;
  limit: number;
}

/** From a level up to patients, with the alias and the join to its parent (fixed strings). */
const CHAIN: readonly { level: Level; table: string; alias: string; parentColumn: string | null }[] = [
  { level: 'instances', table: 'instances', alias: 'i', parentColumn: 'series_ref' },
  { level: 'series', table: 'series', alias: 's', parentColumn: 'study_ref' },
  { level: 'studies', table: 'studies', alias: 'st', parentColumn: 'patient_ref' },
  { level: 'patients', table: 'patients', alias: 'p', parentColumn: null },
];

/**
 * Main tags the index also keeps in their own indexed columns (migration 1: patients_patient_id,
 * studies_uid, studies_accession, studies_date, series_uid, instances_uid). A criterion on one of
 * them narrows on the column, so a QIDO-RS search by PatientID or a WADO-RS lookup by UID is an
 * index search, not a json_extract of every row's main tags. The column holds the same value as
 * the main tag (PatientID and the UIDs '' where the tag is absent), so the narrowing stays a
 * superset and the exact check on the main tag decides as before.
 */
const INDEXED_COLUMNS: Partial<Record<Level, Record<string, string>>> = {
  patients: { PatientID: 'patient_id' },
  studies: { StudyInstanceUID: 'study_instance_uid', AccessionNumber: 'accession_number', StudyDate: 'study_date' },
  series: { SeriesInstanceUID: 'series_instance_uid' },
  instances: { SOPInstanceUID: 'sop_instance_uid' },
};

export function findIds(db: Db, query: FindQuery): string[] {
  const { sql, params, checks } = findStatement(query, db);
  const rows = db.prepare(sql).iterate(...params) as Iterable<Record<string, string | null>>;
  const ids: string[] = [];
  let skipped = 0;
  for (const row of rows) {
    if (!checks.every((check, n) => check(row[`c${n}`] ?? null))) continue;
    if (skipped < query.since) {
      skipped += 1;
      continue;
    }
    ids.push(row.id!);
    if (ids.length >= query.limit) break;
  }
  return ids;
}

/** The SQL a query runs, its parameters, and the exact check of each criterion (c0, c1...). */
export function findStatement(
  query: FindQuery,
  db: Pick<Db, 'dialect'> = { dialect: 'sqlite' },
): { sql: string; params: string[]; checks: ((value: string | null) => boolean)[] } {
  const start = CHAIN.findIndex((c) => c.level === query.level);
  const top = Math.max(start, ...query.criteria.map((c) => CHAIN.findIndex((l) => l.level === c.level)));
  const base = CHAIN[start]!;
  const joins: string[] = [];
  for (let k = start; k < top; k++) {
    const child = CHAIN[k]!;
    const parent = CHAIN[k + 1]!;
    joins.push(`JOIN ${parent.table} ${parent.alias} ON ${child.alias}.${child.parentColumn} = ${parent.alias}.id`);
  }

  const columns: string[] = [];
  const columnParams: string[] = [];
  const where: string[] = [];
  const whereParams: string[] = [];
  const checks: ((value: string | null) => boolean)[] = [];
  query.criteria.forEach((criterion, n) => {
    const alias = CHAIN.find((c) => c.level === criterion.level)!.alias;
    const value = jsonFieldByParam(db, `${alias}.main_tags`);
    const path = jsonFieldParam(db, criterion.keyword);
    columns.push(`${value} AS c${n}`);
    columnParams.push(path);
    const narrowing = sqlNarrowing(criterion.match, db);
    if (narrowing) {
      const column = INDEXED_COLUMNS[criterion.level]?.[criterion.keyword];
      if (column) {
        where.push(narrowing.sql.replaceAll('VALUE', `${alias}.${column}`));
        whereParams.push(...narrowing.params);
      } else {
        where.push(narrowing.sql.replaceAll('VALUE', value));
        whereParams.push(...narrowing.params.flatMap((p) => [path, p]));
      }
    }
    checks.push(matcher(criterion.match));
  });

  const sql = `SELECT ${[`${base.alias}.id AS id`, ...columns].join(', ')} FROM ${base.table} ${base.alias} ${joins.join(' ')}
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${base.alias}.rowid`;
  return { sql, params: [...columnParams, ...whereParams], checks };
}

/** A SQL condition that keeps every row the exact check may accept (a superset), or none. */
function sqlNarrowing(match: TagMatch, db: Pick<Db, 'dialect'>): { sql: string; params: string[] } | undefined {
  switch (match.kind) {
    case 'wildcard': {
      // LIKE folds ASCII case only: for other patterns the code check alone decides.
      if (!/^[\x20-\x7e]*$/.test(match.pattern)) return undefined;
      if (!/[*?]/.test(match.pattern) && match.caseSensitive) return { sql: 'VALUE = ?', params: [match.pattern] };
      return { sql: `VALUE ${caseInsensitiveLike(db)} ? ESCAPE '\\'`, params: [toLike(match.pattern)] };
    }
    case 'range': {
      const parts: string[] = [];
      const params: string[] = [];
      if (match.from !== null) {
        parts.push('VALUE >= ?');
        params.push(match.from);
      }
      if (match.to !== null) {
        parts.push('VALUE <= ?');
        params.push(match.to);
      }
      return parts.length > 0 ? { sql: parts.join(' AND '), params } : undefined;
    }
    case 'list':
      // One parameter whatever the list's length: a JSON array read as rows.
      return { sql: `VALUE IN (${jsonArrayElements(db)})`, params: [JSON.stringify(match.values)] };
    default:
      return match satisfies never;
  }
}

/** `*` and `?` become `%` and `_`; the LIKE metacharacters of the value itself are escaped. */
export function toLike(pattern: string): string {
  return pattern
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
}

/** The exact check, in code. */
export function matcher(match: TagMatch): (value: string | null) => boolean {
  switch (match.kind) {
    case 'wildcard': {
      const body = [...match.pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
      const re = new RegExp(`^${body}$`, match.caseSensitive ? 'su' : 'siu');
      return (value) => value !== null && re.test(value);
    }
    case 'range':
      return (value) => value !== null && value !== '' && (match.from === null || value >= match.from) && (match.to === null || value <= match.to);
    case 'list': {
      const values = new Set(match.values);
      return (value) => value !== null && values.has(value);
    }
    default:
      return match satisfies never;
  }
}
