import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { systemErrorCode } from '../core/errors.js';
import type { Logger } from '../log/logger.js';

/** Which engine holds the index: the embedded SQLite file, or a PostgreSQL server (src/db/postgres/). */
export type Dialect = 'sqlite' | 'postgres';

export interface DbRunResult {
  changes: number;
  /** SQLite only: PostgreSQL has no row ids; write `RETURNING` instead (it works on both). */
  lastInsertRowid: number | bigint;
}

/** A prepared statement, as better-sqlite3 shapes it: synchronous, parameters by position (`?`) or by name (`@name`). */
export interface DbStatement<P extends unknown[] = unknown[], R = unknown> {
  run(...params: P): DbRunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}

/**
 * The index as every repository sees it: better-sqlite3's synchronous interface, which the
 * PostgreSQL connection (src/db/postgres/postgres-db.ts) offers too, so that one repository runs
 * on either engine. A transaction is a synchronous function: nothing else of this process runs
 * inside it, whichever engine is below. Write SQL both engines take (RETURNING, ON CONFLICT,
 * NULLS FIRST/LAST, COALESCE); where they cannot share it, branch on `dialect`.
 */
export interface Db {
  readonly dialect: Dialect;
  readonly inTransaction: boolean;
  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): P extends unknown[] ? DbStatement<P, R> : DbStatement<[P], R>;
  /** Nested calls become savepoints, as in better-sqlite3. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- better-sqlite3's own constraint, so that its Database is a Db
  transaction<F extends (...args: any[]) => unknown>(fn: F): (...args: ArgumentsOf<F>) => ReturnType<F>;
  /** Runs SQL without parameters (several statements allowed): schema changes. */
  exec(sql: string): unknown;
  close(): unknown;
}

/** As better-sqlite3 spells Parameters<F> (the same type, which TypeScript cannot see is the same). */
export type ArgumentsOf<F> = F extends (...args: infer A) => unknown ? A : never;

export type SqliteDb = Database.Database & { readonly dialect: 'sqlite' };

/**
 * Opens the index. WAL lets the API read while the SCP writes; synchronous=NORMAL is durable
 * across a process crash, and every stored file is fsynced itself, so a power loss can at worst
 * lose index rows that the start-up check rebuilds from the files.
 */
export function openDatabase(file: string): SqliteDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  beginImmediately(db);
  return Object.assign(db, { dialect: 'sqlite' as const });
}

/**
 * Every `db.transaction(fn)()` begins IMMEDIATE: it takes the write lock at BEGIN, waiting for
 * it under busy_timeout. A DEFERRED one (better-sqlite3's default) reads first and takes the lock
 * at its first write; if another process committed meanwhile, SQLite cannot wait (its snapshot
 * is stale) and fails at once with SQLITE_BUSY. Two nodes on one index (config/cluster/README.md)
 * met it as refused C-STOREs (0110) when both received one series at once. In one process nothing changes:
 * transactions run one at a time anyway. Nested calls stay savepoints; `.deferred` is still there.
 */
function beginImmediately(db: Database.Database): void {
  const transaction = db.transaction.bind(db);
  // The immediate variant carries the other variants itself (.deferred, .exclusive), as the default
  // does, and reaches the database through its closure, not `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- bound by better-sqlite3 (see above)
  db.transaction = ((fn: (...args: never[]) => unknown) => transaction(fn).immediate) as Database.Database['transaction'];
}

/** Where a node keeps its index; the CLI opens the same file while the node may be running. */
export function indexPath(dataDir: string): string {
  return path.join(dataDir, 'index.sqlite');
}

/**
 * Closes the index at a stop. On SQLite the write-ahead log is folded into the database file
 * first, so the next start opens one file. On a full disk that fold cannot grow the file
 * (SQLITE_FULL); the WAL then stays as it is, every committed transaction in it, and SQLite
 * folds it in at the next open. So a failed fold is said, not thrown: the stop goes on and ends clean.
 */
export function closeDatabase(db: Db, log: Logger): void {
  if (isSqlite(db)) {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      log.warn('index not checkpointed at stop: its write-ahead log is kept and read back at the next start', {
        code: systemErrorCode(err),
        error: (err as Error).message,
      });
    }
  }
  db.close();
}

export function isSqlite(db: Db): db is Db & SqliteDb {
  return db.dialect === 'sqlite';
}
