import { systemErrorCode } from '../core/errors.js';

/** A row the index refused because its unique key is taken (SQLite's constraint codes, PostgreSQL's 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = systemErrorCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** The index cannot grow: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100). */
export function isIndexFull(err: unknown): boolean {
  const code = systemErrorCode(err);
  return code === 'SQLITE_FULL' || code === '53100';
}
