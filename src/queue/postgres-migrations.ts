import type { MigrationSet } from '../db/migrate.js';

/** The channel on which a change that may make work claimable is announced (its payload: the queue's name). */
export const QUEUE_NOTIFY_CHANNEL = 'vigil_queue';

/**
 * The durable job queue's table on PostgreSQL (the index queue, index-queue.ts): the columns of the
 * SQLite table (migrations.ts) with PostgreSQL's types. Times stay integers (milliseconds since
 * the epoch, the node's clock, not the server's), payloads and results JSONB. Append-only: a
 * shipped entry is never edited, a change is a new one.
 */
export const postgresQueueMigrations: MigrationSet = {
  part: 'queue',
  migrations: [
    {
      version: 1,
      name: 'one durable job queue, woken by NOTIFY',
      sql: `
        CREATE TABLE queue_jobs (
          -- the order of enqueueing: ties in priority and time, and a group's order
          seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          queue TEXT NOT NULL,
          -- the caller's idempotency key: enqueueing it twice is a no-op
          key TEXT NOT NULL,
          -- ids and numbers the worker needs, never patient data
          payload JSONB NOT NULL,
          priority INTEGER NOT NULL DEFAULT 0,
          -- jobs of one group run one at a time, in seq order
          grp TEXT,
          state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead', 'cancelled')),
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          available_at BIGINT NOT NULL,
          lease_owner TEXT,
          lease_until BIGINT,
          error_code TEXT,
          error_detail TEXT,
          -- what the worker recorded on completion
          result JSONB,
          created_at BIGINT NOT NULL,
          started_at BIGINT,
          finished_at BIGINT,
          UNIQUE (queue, key)
        );
        CREATE INDEX queue_jobs_next ON queue_jobs (queue, priority DESC, available_at, seq) WHERE state = 'queued';
        CREATE INDEX queue_jobs_group ON queue_jobs (queue, grp, seq) WHERE state IN ('queued', 'running');
        CREATE INDEX queue_jobs_lease ON queue_jobs (queue, lease_until) WHERE state = 'running';
        CREATE INDEX queue_jobs_state ON queue_jobs (queue, state, seq);

        -- Wakes waiting claimers (LISTEN ${QUEUE_NOTIFY_CHANNEL}) of every process when work may have
        -- become claimable: a job queued (new, put back, retried) or a group's head finished. A
        -- trigger, so that no path of the code (nor an operator's SQL) can forget it; NOTIFY is sent
        -- at commit only (a rolled-back enqueue wakes no one) and PostgreSQL folds repeats within
        -- a transaction into one.
        CREATE FUNCTION queue_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.state = 'queued' OR (NEW.grp IS NOT NULL AND NEW.state NOT IN ('queued', 'running')) THEN
            PERFORM pg_notify('${QUEUE_NOTIFY_CHANNEL}', NEW.queue);
          END IF;
          RETURN NULL;
        END $$;
        CREATE TRIGGER queue_jobs_notify AFTER INSERT OR UPDATE OF state ON queue_jobs
          FOR EACH ROW EXECUTE FUNCTION queue_jobs_notify();
      `,
    },
  ],
};
