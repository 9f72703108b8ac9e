import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

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
  return db;
}

/** Where a node keeps its index; the CLI opens the same file while the node may be running. */
export function indexPath(dataDir: string): string {
  return path.join(dataDir, 'index.sqlite');
}
