import type pg from 'pg';
import { assertOrdered, type MigrationSet } from './migrate.js';

/**
 * The append-only schema history on PostgreSQL, as migrate.ts keeps it on SQLite: one
 * `schema_migrations` table, each part its own numbered list (a PostgreSQL part has its own list:
 * the SQL differs). Several processes may start at once against one server: an advisory lock
 * (held for the transaction) lets one migrate while the others wait, then find nothing to do.
 * DDL is transactional on PostgreSQL, so the whole run commits or leaves nothing.
 */
const MIGRATION_LOCK = 0x76696731; // 'vig1': the key of the advisory lock every Vigil migrator takes

export async function migratePostgres(client: pg.ClientBase, sets: readonly MigrationSet[]): Promise<{ applied: string[] }> {
  for (const set of sets) assertOrdered(set);
  const applied: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      part TEXT NOT NULL,
      version INTEGER NOT NULL,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL,
      PRIMARY KEY (part, version)
    )`);
    for (const set of sets) {
      const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE part = $1', [set.part]);
      const done = rows[0]?.v ?? 0;
      for (const m of set.migrations) {
        if (m.version <= done) continue;
        try {
          await client.query(m.sql);
        } catch (err) {
          throw new Error(`migration ${set.part}#${m.version} (${m.name}) failed, nothing of this run was applied: ${(err as Error).message}`, { cause: err });
        }
        await client.query('INSERT INTO schema_migrations (part, version, name, applied_at) VALUES ($1, $2, $3, $4)', [
          set.part,
          m.version,
          m.name,
          Date.now(),
        ]);
        applied.push(`${set.part}#${m.version} ${m.name}`);
      }
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return { applied };
}
