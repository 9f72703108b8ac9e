import type { Db } from './database.js';

/** A payload field a query may filter on: a plain name, spliced into the JSON path. */
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * `column`'s top-level JSON field `field` equal to `value`, in the index's dialect: SQLite's
 * json_extract gives the JSON value (true as 1), PostgreSQL's ->> its text ('true', '5').
 */
export function jsonFieldEquals(db: Db, column: string, field: string, value: string | number | boolean): { sql: string; param: string | number } {
  if (!FIELD.test(field)) throw new Error(`not a JSON field name: ${field}`);
  if (db.dialect === 'postgres') return { sql: `(${column}::jsonb ->> '${field}') = ?`, param: String(value) };
  return { sql: `json_extract(${column}, '$.${field}') = ?`, param: typeof value === 'boolean' ? Number(value) : value };
}
