import type { MigrationSet } from '../../db/migrate.js';

/**
 * IT's operational notices (a model's scores drift, its positive rate is far above the validated
 * one) and their deliveries to operational destinations: an outbox of its own, apart from patient
 * alerts, so a notice can never be routed as one nor a patient alert reach IT's channel.
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
  ],
};
