import type { IndexShape, RelationShape, SchemaShape } from './schema-snapshot.js';

/**
 * What the same index may differ in on PostgreSQL (src/node-schema.ts), and nothing more:
 *
 * - an explicit `rowid` column (a BIGINT identity) on the tables whose rows the code addresses by
 *   SQLite's implicit rowid, possibly UNIQUE, and as the last column of an index (a SQLite index
 *   ends with the rowid implicitly);
 * - each SQLite type family as the PostgreSQL types listed in TYPES (a view's computed column
 *   has no declared type on SQLite: any);
 * - the queue's payload and result in JSONB (src/queue/postgres-migrations.ts; JSON elsewhere stays
 *   TEXT on both);
 * - the triggers PostgreSQL has besides SQLite's (PG_ONLY_TRIGGERS);
 * - the text of a partial index's predicate or of a CHECK (PostgreSQL prints casts and
 *   `= ANY (ARRAY[...])`): compared by its names, literals and keywords.
 */
export const ROWID = 'rowid';

const TYPES: Record<string, readonly string[]> = {
  INTEGER: ['bigint', 'integer'],
  TEXT: ['text'],
  REAL: ['double precision'],
  BLOB: ['bytea'],
};

const JSONB_COLUMNS = new Set(['queue_jobs.payload', 'queue_jobs.result']);

/** Triggers with no SQLite counterpart: the queue's wake-ups, and TRUNCATE refused on the audit trail. */
const PG_ONLY_TRIGGERS = new Set(['queue_jobs.queue_jobs_notify', 'audit_log.audit_log_no_truncate']);

/** Every difference between the two schemas beyond those allowed; empty when they match. */
export function compareSchemas(sqlite: SchemaShape, postgres: SchemaShape): string[] {
  const out: string[] = [];
  for (const name of sqlite.keys()) if (!postgres.has(name)) out.push(`${name}: only on SQLite`);
  for (const name of postgres.keys()) if (!sqlite.has(name)) out.push(`${name}: only on PostgreSQL`);
  for (const [name, lite] of sqlite) {
    const pg = postgres.get(name);
    if (pg) out.push(...compareRelation(name, lite, pg));
  }
  return out;
}

/** The tables to which PostgreSQL adds an explicit rowid. */
export function rowidTables(postgres: SchemaShape): string[] {
  return [...postgres].filter(([, r]) => r.columns.some((c) => c.name === ROWID)).map(([name]) => name);
}

function compareRelation(name: string, lite: RelationShape, pg: RelationShape): string[] {
  const out: string[] = [];
  const differ = (what: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${name}: ${what} differ: SQLite ${JSON.stringify(a)}, PostgreSQL ${JSON.stringify(b)}`);
  };
  differ('kinds', lite.kind, pg.kind);

  const rowid = pg.columns.find((c) => c.name === ROWID);
  if (rowid && (rowid.type !== 'bigint' || !rowid.notNull)) out.push(`${name}: its rowid must be a BIGINT identity, found ${rowid.type}`);
  const pgColumns = pg.columns.filter((c) => c.name !== ROWID);
  differ(
    'columns',
    lite.columns.map((c) => c.name),
    pgColumns.map((c) => c.name),
  );
  for (const column of lite.columns) {
    const other = pgColumns.find((c) => c.name === column.name);
    if (!other) continue;
    const allowed = column.type === '' ? [other.type] : [...(TYPES[column.type] ?? []), ...(JSONB_COLUMNS.has(`${name}.${column.name}`) ? ['jsonb'] : [])];
    if (!allowed.includes(other.type)) out.push(`${name}.${column.name}: SQLite ${column.type || '(none)'} is not PostgreSQL ${other.type}`);
    if (column.notNull !== other.notNull) out.push(`${name}.${column.name}: NOT NULL on ${column.notNull ? 'SQLite' : 'PostgreSQL'} only`);
  }

  differ('primary keys', lite.primaryKey, pg.primaryKey);
  differ('unique constraints', [...lite.uniques].sort(), pg.uniques.filter((u) => u !== ROWID).sort());
  differ('CHECK constraints', lite.checks.map((c) => predicateWords(c)!.join(' ')).sort(), pg.checks.map((c) => predicateWords(c)!.join(' ')).sort());
  differ('foreign keys', [...lite.foreignKeys].sort(), [...pg.foreignKeys].sort());
  differ('triggers', [...lite.triggers].sort(), pg.triggers.filter((t) => !PG_ONLY_TRIGGERS.has(`${name}.${t}`)).sort());

  const pgIndexes = new Map(pg.indexes.map((i) => [i.name, i]));
  differ('index names', lite.indexes.map((i) => i.name).sort(), [...pgIndexes.keys()].sort());
  for (const index of lite.indexes) {
    const other = pgIndexes.get(index.name);
    if (!other) continue;
    differ(`index ${index.name}: uniqueness`, index.unique, other.unique);
    differ(`index ${index.name}: columns`, index.columns, withoutTrailingRowid(other));
    differ(`index ${index.name}: predicate`, predicateWords(index.predicate), predicateWords(other.predicate));
  }
  return out;
}

function withoutTrailingRowid(index: IndexShape): string[] {
  return index.columns.at(-1) === ROWID ? index.columns.slice(0, -1) : index.columns;
}

/** Names, literals and keywords of a predicate, without casts, ARRAY/ANY, operators and parentheses. */
export function predicateWords(predicate: string | null): string[] | null {
  if (predicate === null) return null;
  const noise = new Set(['text', 'integer', 'bigint', 'any', 'array', 'in', 'check']);
  return (predicate.toLowerCase().match(/'[^']*'|[a-z_][a-z0-9_]*|\d+/g) ?? []).filter((w) => !noise.has(w)).sort();
}
