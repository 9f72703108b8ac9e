import type { MigrationSet } from '../db/migrate.js';

/** The plugin host's tables: each plugin's durable job queue (ctx.queue). */
export const pluginMigrations: MigrationSet = {
  part: 'plugins',
  migrations: [
    {
      version: 1,
      name: 'plugin job queues',
      sql: `
        CREATE TABLE plugin_jobs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          plugin_id TEXT NOT NULL,
          -- the plugin's idempotency key: enqueueing the same key twice is a no-op
          key TEXT NOT NULL,
          payload TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_at INTEGER NOT NULL,
          last_error TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          UNIQUE (plugin_id, key)
        );
        -- the worker: a plugin's next due job
        CREATE INDEX plugin_jobs_due ON plugin_jobs (plugin_id, next_at) WHERE state = 'pending';
        -- listings by state, newest first
        CREATE INDEX plugin_jobs_state ON plugin_jobs (plugin_id, state, id);
      `,
    },
  ],
};
