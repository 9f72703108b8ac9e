import type { MigrationSet } from '../db/migrate.js';

/**
 * The durable job queue's table. Migrated before the parts that use it (triage carries its old
 * jobs over in its own migration, which needs this table).
 */
export const queueMigrations: MigrationSet = {
  part: 'queue',
  migrations: [
    {
      version: 1,
      name: 'one durable job queue',
      sql: `
        CREATE TABLE queue_jobs (
          -- the order of enqueueing: ties in priority and time, and a group's order
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          queue TEXT NOT NULL,
          -- the caller's idempotency key: enqueueing it twice is a no-op
          key TEXT NOT NULL,
          -- JSON: ids and numbers the worker needs, never patient data
          payload TEXT NOT NULL,
          priority INTEGER NOT NULL DEFAULT 0,
          -- jobs of one group run one at a time, in seq order
          grp TEXT,
          state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead', 'cancelled')),
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          available_at INTEGER NOT NULL,
          lease_owner TEXT,
          lease_until INTEGER,
          error_code TEXT,
          error_detail TEXT,
          -- JSON the worker recorded on completion
          result TEXT,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          UNIQUE (queue, key)
        );
        -- claim: a queue's next due job, highest priority first
        CREATE INDEX queue_jobs_next ON queue_jobs (queue, priority DESC, available_at, seq) WHERE state = 'queued';
        -- claim by group: the head of a group
        CREATE INDEX queue_jobs_group ON queue_jobs (queue, grp, seq) WHERE state IN ('queued', 'running');
        -- leases that ran out
        CREATE INDEX queue_jobs_lease ON queue_jobs (queue, lease_until) WHERE state = 'running';
        -- listings and counts by state, newest first
        CREATE INDEX queue_jobs_state ON queue_jobs (queue, state, seq);
      `,
    },
  ],
};
