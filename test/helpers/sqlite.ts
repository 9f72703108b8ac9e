import { isSqlite, type Db, type SqliteDb } from '../../src/db/database.js';

/** The index as SQLite, for a test that reaches SQLite itself (its pragmas: a full disk, a read-only index). */
export function asSqlite(db: Db): SqliteDb {
  if (!isSqlite(db)) throw new Error(`this test drives SQLite itself; the index here is ${db.dialect}`);
  return db;
}
