import type { MigrationSet } from '../../db/migrate.js';

/**
 * IT's operational notices (a model's scores drift, its positive rate is far above the validated
 * one) and their deliveries to operational destinations: an outbox of its own, apart from patient
 * alerts, so a notice can never be routed as one nor a patient alert reach IT's channel. Since
 * version 2 the deliveries are jobs of the one durable job queue (queue 'operational').
 */
export const operationalMigrations: MigrationSet = {
  part: 'operational',
  migrations: [
    {
      version: 1,
      name: 'operational notices and their deliveries',
      sql: `
        CREATE TABLE operational_notices (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          model_id TEXT NOT NULL,
          -- the UTC day it is about: one notice per kind, model and day
          day TEXT NOT NULL,
          summary TEXT NOT NULL,
          data TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          UNIQUE (kind, model_id, day)
        );
        CREATE TABLE operational_deliveries (
          seq INTEGER PRIMARY KEY,
          notice_id TEXT NOT NULL REFERENCES operational_notices (id),
          destination_id TEXT NOT NULL,
          idempotency_key TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'delivered')),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          last_error TEXT,
          delivered_at INTEGER
        );
        CREATE INDEX operational_deliveries_pending ON operational_deliveries (destination_id, state, seq);
      `,
    },
    {
      version: 2,
      name: 'notice deliveries sent through the one durable job queue',
      // Needs queue_jobs (the queue part, migrated first). A delivery is now a job of the queue
      // 'operational', grouped by destination (one at a time, in order), its key the delivery's
      // idempotency key, its payload the notice's id. Every delivery is carried over in seq
      // order: pending ones to be sent (attempts, next attempt and last error kept), delivered
      // ones done (their time kept). operational_deliveries is then dropped: nothing reads it.
      sql: `
        INSERT INTO queue_jobs (id, queue, key, payload, priority, grp, state, attempts, max_attempts, available_at, error_code, error_detail, created_at, finished_at)
          SELECT 'operational-delivery-' || d.seq, 'operational', d.idempotency_key, json_object('noticeId', d.notice_id), 0, d.destination_id,
            CASE d.state WHEN 'pending' THEN 'queued' ELSE 'done' END,
            d.attempts, 1000000000, d.next_attempt_at,
            CASE WHEN d.state = 'pending' AND d.last_error IS NOT NULL THEN 'QUEUE_JOB_FAILED' END,
            CASE WHEN d.state = 'pending' THEN d.last_error END,
            n.created_at, d.delivered_at
          FROM operational_deliveries d JOIN operational_notices n ON n.id = d.notice_id ORDER BY d.seq;
        DROP TABLE operational_deliveries;
      `,
    },
  ],
};
