import pg from 'pg';
import type { DatabaseConfig } from '../config/sections/storage.js';
import { VigilError } from '../core/errors.js';
import { indexPath, openDatabase, type Db } from './database.js';
import { migrate, type MigrationSet } from './migrate.js';
import { migratePostgres } from './postgres-migrate.js';
import { PostgresDb } from './postgres/postgres-db.js';
import { SyncConnection } from './postgres/sync-connection.js';

export interface IndexSchema {
  sqlite: readonly MigrationSet[];
  postgres: readonly MigrationSet[];
}

/**
 * Opens the node's index where the config puts it and brings its schema up to date: the
 * embedded SQLite file in the data folder, or the PostgreSQL server of `storage.database.url`
 * (several nodes may start at once: the PostgreSQL migrator holds an advisory lock).
 */
export async function openIndex(
  dataDir: string,
  database: DatabaseConfig,
  schema: IndexSchema,
  opts: { applicationName: string },
): Promise<{ db: Db; applied: string[] }> {
  if (database.url === null) {
    const db = openDatabase(indexPath(dataDir));
    try {
      return { db, ...migrate(db, schema.sqlite) };
    } catch (err) {
      db.close();
      throw err;
    }
  }
  const applied = await migrateServer(database, schema.postgres);
  const db = new PostgresDb(new SyncConnection({ url: database.url, statementTimeoutMs: database.statementTimeoutMs, applicationName: opts.applicationName }));
  return { db, applied };
}

async function migrateServer(database: DatabaseConfig, sets: readonly MigrationSet[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: database.url!, connectionTimeoutMillis: database.statementTimeoutMs });
  // A connection the server drops while we migrate must end in the error below, not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    // pg's messages name the host and port, never the password; the URL itself is not repeated.
    throw new VigilError('INDEX_UNAVAILABLE', `the index database (storage.database.url) cannot be reached: ${(err as Error).message}`, { cause: err });
  }
  try {
    return (await migratePostgres(client, sets)).applied;
  } finally {
    await client.end().catch(() => undefined);
  }
}
