import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { systemErrorCode } from '../core/errors.js';
import type { Logger } from '../log/logger.js';

export type Db = Database.Database;

/**
 * Opens the index. WAL lets the API read while the SCP writes; synchronous=NORMAL is durable
 * across a process crash, and every stored file is fsynced itself, so a power loss can at worst
 * lose index rows that the start-up check rebuilds from the files.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  beginImmediately(db);
  return db;
}

/**
 * Every `db.transaction(fn)()` begins IMMEDIATE: it takes the write lock at BEGIN, waiting for
 * it under busy_timeout. A DEFERRED one (better-sqlite3's default) reads first and takes the lock
 * at its first write; if another process committed meanwhile, SQLite cannot wait (its snapshot
 * is stale) and fails at once with SQLITE_BUSY. Two nodes on one index (config/cluster/README.md)
 * met it as refused C-STOREs (0110) when both received one series at once. In one process nothing changes:
 * transactions run one at a time anyway. Nested calls stay savepoints; `.deferred` is still there.
 */
function beginImmediately(db: Db): void {
  const transaction = db.transaction.bind(db);
  // The immediate variant carries the other variants itself (.deferred, .exclusive), as the default
  // does, and reaches the database through its closure, not `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- bound by better-sqlite3 (see above)
  db.transaction = ((fn: (...args: never[]) => unknown) => transaction(fn).immediate) as Db['transaction'];
}

/** Where a node keeps its index; the CLI opens the same file while the node may be running. */
export function indexPath(dataDir: string): string {
  return path.join(dataDir, 'index.sqlite');
}

/**
 * Closes the index at a stop: the write-ahead log is folded into the database file first, so the
 * next start opens one file. On a full disk that fold cannot grow the file (SQLITE_FULL); the
 * WAL then stays as it is, every committed transaction in it, and SQLite folds it in at the next
 * open. So a failed fold is said, not thrown: the stop goes on and ends clean.
 */
export function closeDatabase(db: Db, log: Logger): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    log.warn('index not checkpointed at stop: its write-ahead log is kept and read back at the next start', {
      code: systemErrorCode(err),
      error: (err as Error).message,
    });
  }
  db.close();
}
