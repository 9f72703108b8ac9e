import type { MigrationSet } from '../db/migrate.js';

/**
 * The plugin host on PostgreSQL. Its SQLite list ends with no table of its own (plugin jobs moved
 * into queue_jobs at plugins#2, the old table dropped at #3), and PostgreSQL has no installed base
 * to carry over, so version 1 creates nothing: it holds the part's place, so that a later change
 * is an entry in each list (both append-only; test/db/schema-parity.test.ts compares them).
 */
export const pluginsPostgresMigrations: MigrationSet = {
  part: 'plugins',
  migrations: [
    {
      version: 1,
      name: 'plugin jobs live in queue_jobs (the SQLite schema at plugins#3: no table of its own)',
      sql: `SELECT 1;`,
    },
  ],
};
