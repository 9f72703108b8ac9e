import type { Db } from './database.js';

/** What a dialect choice needs of the index. */
type On = Pick<Db, 'dialect'>;

/** A payload field a query may filter on: a plain name, spliced into the JSON path. */
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * `column`'s top-level JSON field `field` equal to `value`, in the index's dialect: SQLite's
 * json_extract gives the JSON value (true as 1), PostgreSQL's ->> its text ('true', '5').
 */
export function jsonFieldEquals(db: On, column: string, field: string, value: string | number | boolean): { sql: string; param: string | number } {
  const sql = `${jsonField(db, column, field)} = ?`;
  if (db.dialect === 'postgres') return { sql, param: String(value) };
  return { sql, param: typeof value === 'boolean' ? Number(value) : value };
}

/** `column`'s top-level JSON field named by a parameter: bind `jsonFieldParam(db, field)` to it. */
export function jsonFieldByParam(db: On, column: string): string {
  return db.dialect === 'postgres' ? `(${column}::jsonb ->> ?)` : `json_extract(${column}, ?)`;
}

/** The parameter for `jsonFieldByParam`: SQLite takes a JSON path, PostgreSQL the field's name. */
export function jsonFieldParam(db: On, field: string): string {
  return db.dialect === 'postgres' ? field : `$.${field}`;
}

/** `column`'s top-level JSON field `field` (a plain name) as a value. */
export function jsonField(db: On, column: string, field: string): string {
  if (!FIELD.test(field)) throw new Error(`not a JSON field name: ${field}`);
  return db.dialect === 'postgres' ? `(${column}::jsonb ->> '${field}')` : `json_extract(${column}, '$.${field}')`;
}

/** A subquery of the elements of the JSON array bound to its one parameter (any length, one parameter). */
export function jsonArrayElements(db: On): string {
  return db.dialect === 'postgres' ? 'SELECT jsonb_array_elements_text(?::jsonb)' : 'SELECT value FROM json_each(?)';
}

/** LIKE as SQLite has it: ASCII letters of any case alike (PostgreSQL's ILIKE; it folds more, never less). */
export function caseInsensitiveLike(db: On): string {
  return db.dialect === 'postgres' ? 'ILIKE' : 'LIKE';
}

/** Whether the text `haystack` holds `needle` (SQL expressions; a JSON column read as its text). */
export function containsText(db: On, haystack: string, needle: string): string {
  return db.dialect === 'postgres' ? `strpos(${haystack}::text, ${needle}) > 0` : `instr(${haystack}, ${needle}) > 0`;
}

/**
 * Serialises, until the end of the current transaction, every transaction that takes the same
 * key: a look-up followed by an insert ("is there a live alert for this study?") cannot race
 * another node's. PostgreSQL: a transaction-level advisory lock on the key's hash. SQLite: nothing
 * to do, its transactions begin IMMEDIATE (database.ts): one writer at a time, from BEGIN on.
 */
export function lockForTransaction(db: Db, key: string): void {
  if (!db.inTransaction) throw new Error('lockForTransaction outside a transaction would lock nothing');
  if (db.dialect === 'postgres') db.prepare('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))').get(key);
}
