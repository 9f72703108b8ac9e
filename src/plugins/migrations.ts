import type { MigrationSet } from '../db/migrate.js';

/** The plugin host's tables: each plugin's durable job queue (ctx.queue), in queue_jobs since version 2. */
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
    {
      version: 2,
      name: 'plugin jobs in the one durable job queue',
      // Needs queue_jobs (the queue part, migrated first). Every job is carried over (done ones
      // too: their keys keep enqueueing idempotent until pruned), in its order, under the queue
      // src/plugins/queue.ts names (plugin:<id>), or <name> for the core's own (core:<name>: the
      // rule forwards' 'rule-forwards', src/rules/forwarder.ts).
      // A plugin's limit on attempts is its policy's, so the queue's own is out of reach.
      // plugin_jobs stays as it was, unused from here on; version 3 drops it.
      sql: `
        INSERT INTO queue_jobs (id, queue, key, payload, priority, grp, state, attempts, max_attempts, available_at, error_code, error_detail, created_at, finished_at)
          SELECT 'plugin-job-' || id,
            CASE WHEN plugin_id LIKE 'core:%' THEN substr(plugin_id, 6) ELSE 'plugin:' || plugin_id END,
            key, payload, 0, NULL,
            CASE state WHEN 'pending' THEN 'queued' ELSE state END,
            attempts, 1000000000, next_at,
            CASE WHEN last_error IS NULL THEN NULL ELSE 'PLUGIN_HOOK_FAILED' END, last_error,
            created_at, CASE WHEN state = 'pending' THEN NULL ELSE updated_at END
          FROM plugin_jobs ORDER BY id;
      `,
    },
    {
      version: 3,
      name: 'the old plugin jobs table dropped',
      // Version 2 copied every row into queue_jobs; nothing has read plugin_jobs since (its
      // indexes go with it). An index from before the queue passes through 2 first.
      sql: `DROP TABLE plugin_jobs;`,
    },
  ],
};
