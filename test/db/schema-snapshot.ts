import type pg from 'pg';
import type { Db } from '../../src/db/database.js';

/**
 * What the schema parity test compares of an index, read the same way from SQLite (its
 * catalogue and pragmas) and from PostgreSQL (pg_catalog, information_schema): per table and
 * view, its columns in order, its keys, unique constraints, explicit indexes, foreign keys and
 * triggers. Names and types as each engine reports them; `compareSchemas` decides what matches.
 */
export interface ColumnShape {
  name: string;
  /** As declared on SQLite (upper case, '' for a view's computed column); information_schema's data_type on PostgreSQL. */
  type: string;
  notNull: boolean;
}

export interface IndexShape {
  name: string;
  unique: boolean;
  /** Column names, `name DESC` for a descending one. */
  columns: string[];
  /** The WHERE of a partial index, as the engine prints it. */
  predicate: string | null;
}

export interface RelationShape {
  kind: 'table' | 'view';
  columns: ColumnShape[];
  primaryKey: string[];
  /** Column lists of UNIQUE constraints, each joined with ','. */
  uniques: string[];
  indexes: IndexShape[];
  /** `cols -> table(cols) ON DELETE action`. */
  foreignKeys: string[];
  triggers: string[];
  /** The expressions of CHECK constraints, as the engine prints them. */
  checks: string[];
}

export type SchemaShape = Map<string, RelationShape>;

export function sqliteSchema(db: Db): SchemaShape {
  const shape: SchemaShape = new Map();
  const relations = db
    .prepare<[], { name: string; type: 'table' | 'view' }>(
      `SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`,
    )
    .all();
  for (const { name, type } of relations) {
    const info = db.prepare<[], { name: string; type: string; notnull: number; pk: number }>(`SELECT * FROM pragma_table_xinfo('${name}')`).all();
    const indexList = db
      .prepare<[], { name: string; unique: number; origin: 'c' | 'u' | 'pk'; partial: number }>(`SELECT * FROM pragma_index_list('${name}')`)
      .all();
    const indexColumns = (index: string): string[] =>
      db
        .prepare<[], { name: string; desc: number; key: number }>(`SELECT * FROM pragma_index_xinfo('${index}') ORDER BY seqno`)
        .all()
        .filter((c) => c.key === 1)
        .map((c) => (c.desc ? `${c.name} DESC` : c.name));
    const predicate = (index: string): string | null => {
      const sql = db.prepare<[string], { sql: string | null }>(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(index)?.sql ?? '';
      const where = /\bWHERE\b([\s\S]*)$/i.exec(sql);
      return where ? where[1]!.trim() : null;
    };
    shape.set(name, {
      kind: type,
      columns: info.map((c) => ({
        name: c.name,
        type: c.type.toUpperCase(),
        // SQLite lets a non-integer PRIMARY KEY column hold NULL (a historical quirk); the code
        // never stores one, and PostgreSQL makes every key column NOT NULL.
        notNull: c.notnull === 1 || c.pk > 0,
      })),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      uniques: indexList.filter((i) => i.origin === 'u').map((i) => indexColumns(i.name).join(',')),
      indexes: indexList
        .filter((i) => i.origin === 'c')
        .map((i) => ({ name: i.name, unique: i.unique === 1, columns: indexColumns(i.name), predicate: i.partial ? predicate(i.name) : null })),
      foreignKeys: db
        .prepare<[], { id: number; table: string; from: string; to: string; on_delete: string }>(
          `SELECT * FROM pragma_foreign_key_list('${name}') ORDER BY id, seq`,
        )
        .all()
        .map((f) => `${f.from} -> ${f.table}(${f.to}) ON DELETE ${f.on_delete}`),
      triggers: db
        .prepare<[string], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name`)
        .all(name)
        .map((t) => t.name),
      checks: type === 'table' ? checksOf(db.prepare<[string], { sql: string }>(`SELECT sql FROM sqlite_master WHERE name = ?`).get(name)!.sql) : [],
    });
  }
  return shape;
}

/** The parenthesised expressions after each CHECK of a CREATE TABLE (SQLite keeps only the text). */
function checksOf(createTable: string): string[] {
  const out: string[] = [];
  for (const m of createTable.matchAll(/\bCHECK\s*\(/gi)) {
    const start = m.index + m[0].length;
    let depth = 1;
    let i = start;
    for (; i < createTable.length && depth > 0; i++) {
      if (createTable[i] === '(') depth++;
      else if (createTable[i] === ')') depth--;
    }
    out.push(createTable.slice(start, i - 1));
  }
  return out;
}

const ON_DELETE: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** The schema of the connection's current schema (search_path). */
export async function postgresSchema(client: pg.ClientBase): Promise<SchemaShape> {
  const shape: SchemaShape = new Map();
  const { rows: relations } = await client.query<{ name: string; type: string }>(
    `SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  const { rows: columns } = await client.query<{ rel: string; name: string; type: string; nullable: string }>(
    `SELECT table_name AS rel, column_name AS name, data_type AS type, is_nullable AS nullable
       FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const { rows: indexes } = await client.query<{
    rel: string;
    name: string;
    unique: boolean;
    columns: string[];
    predicate: string | null;
    constraint: string | null;
  }>(
    `SELECT t.relname AS rel, i.relname AS name, x.indisunique AS unique,
        ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) || CASE WHEN x.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END
              FROM generate_series(1, x.indnkeyatts) k ORDER BY k) AS columns,
        pg_get_expr(x.indpred, x.indrelid, true) AS predicate, c.contype AS constraint
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u')
      WHERE t.relnamespace = current_schema()::regnamespace
      ORDER BY t.relname, i.relname`,
  );
  const { rows: foreignKeys } = await client.query<{ rel: string; def: string; action: string }>(
    `SELECT t.relname AS rel,
        (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att)
        || ' -> ' || f.relname || '(' ||
        (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att)
        || ')' AS def, c.confdeltype AS action
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid
      WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
      ORDER BY t.relname, c.conname`,
  );
  const { rows: triggers } = await client.query<{ rel: string; name: string }>(
    `SELECT t.relname AS rel, g.tgname AS name FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
      WHERE NOT g.tgisinternal AND t.relnamespace = current_schema()::regnamespace ORDER BY g.tgname`,
  );
  const { rows: checks } = await client.query<{ rel: string; def: string }>(
    `SELECT t.relname AS rel, pg_get_constraintdef(c.oid, true) AS def FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE c.contype = 'c' AND t.relnamespace = current_schema()::regnamespace ORDER BY c.conname`,
  );
  for (const { name, type } of relations) {
    const own = indexes.filter((i) => i.rel === name);
    shape.set(name, {
      kind: type === 'VIEW' ? 'view' : 'table',
      columns: columns.filter((c) => c.rel === name).map((c) => ({ name: c.name, type: c.type, notNull: c.nullable === 'NO' })),
      primaryKey: own.find((i) => i.constraint === 'p')?.columns ?? [],
      uniques: own.filter((i) => i.constraint === 'u').map((i) => i.columns.join(',')),
      indexes: own.filter((i) => i.constraint === null).map((i) => ({ name: i.name, unique: i.unique, columns: i.columns, predicate: i.predicate })),
      foreignKeys: foreignKeys.filter((f) => f.rel === name).map((f) => `${f.def} ON DELETE ${ON_DELETE[f.action] ?? f.action}`),
      triggers: triggers.filter((t) => t.rel === name).map((t) => t.name),
      checks: checks.filter((c) => c.rel === name).map((c) => c.def),
    });
  }
  return shape;
}
