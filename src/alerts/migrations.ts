import type { MigrationSet } from '../db/migrate.js';

/**
 * The alerts part of the index: alerts (one per study, finding concept and model version
 * while the result stands), their deliveries (the outbox: one row per alert and destination
 * message stream), and destinations managed over the API.
 */
export const alertMigrations: MigrationSet = {
  part: 'alerts',
  migrations: [
    {
      version: 1,
      name: 'alerts, deliveries (outbox) and API-managed destinations',
      sql: `
        CREATE TABLE alerts (
          id TEXT PRIMARY KEY,
          finding_id TEXT NOT NULL,
          study_id TEXT NOT NULL,
          study_instance_uid TEXT NOT NULL,
          -- "system|code" of the finding concept
          concept_key TEXT NOT NULL,
          model_id TEXT NOT NULL,
          model_version TEXT NOT NULL,
          critical INTEGER NOT NULL,
          priority TEXT NOT NULL,
          -- the Finding as JSON: ids, UIDs, codes and numbers, never patient data
          finding TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'superseded')),
          superseded_by TEXT,
          acknowledged_at INTEGER,
          acknowledged_by TEXT,
          acknowledgement_note TEXT,
          escalation_level INTEGER NOT NULL DEFAULT 0,
          -- when the next escalation level fires; NULL when none will
          escalate_at INTEGER,
          finding_stored_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
        -- one live alert per study, concept and model version (enqueueForFinding's look-up)
        CREATE UNIQUE INDEX alerts_live ON alerts (study_instance_uid, concept_key, model_version) WHERE state != 'superseded';
        -- the escalation scan
        CREATE INDEX alerts_escalate_at ON alerts (escalate_at) WHERE escalate_at IS NOT NULL;
        -- GET /alerts, newest first
        CREATE INDEX alerts_created_at ON alerts (created_at);

        CREATE TABLE alert_deliveries (
          -- the order of delivery: each destination receives its rows in seq order
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          alert_id TEXT NOT NULL REFERENCES alerts (id),
          destination_id TEXT NOT NULL,
          channel TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('alert', 'escalation')),
          escalation_level INTEGER,
          -- stable across retries: HL7 control ids, FHIR identifiers and webhook ids derive from it
          idempotency_key TEXT NOT NULL UNIQUE,
          state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
          -- messages of this delivery already acknowledged (an HL7 result, then its order update)
          steps_done INTEGER NOT NULL DEFAULT 0,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          -- the give-up window runs from here: creation, or the last manual retry
          retry_window_from INTEGER NOT NULL,
          last_attempt_at INTEGER,
          last_error_code TEXT,
          -- our own words about the last failure (no patient data)
          last_error TEXT,
          -- what the peer said (MSA-3, OperationOutcome...): may quote patient data, API only
          last_peer_text TEXT,
          created_at INTEGER NOT NULL,
          delivered_at INTEGER,
          time_to_notification_ms INTEGER,
          closed_reason TEXT
        );
        -- the sender's head-of-line query: oldest pending delivery of a destination
        CREATE INDEX alert_deliveries_pending ON alert_deliveries (destination_id, seq) WHERE state = 'pending';
        -- deliveries of one alert
        CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);

        CREATE TABLE alert_destinations (
          id TEXT PRIMARY KEY,
          -- the destination as validated JSON (destinationSchema)
          definition TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
      `,
    },
    {
      version: 2,
      name: 'corrected and withdrawn results',
      sql: `
        -- What receiving systems know the result by (HL7 filler order number, FHIR identifier):
        -- the first alert's id for this study, concept and model version, kept by the alerts
        -- that correct it.
        ALTER TABLE alerts ADD COLUMN result_id TEXT;
        UPDATE alerts SET result_id = id;
        -- the alert this one superseded (its messages correct that one's)
        ALTER TABLE alerts ADD COLUMN replaces TEXT;
        -- set when a later negative finding withdrew the alert (state stays 'superseded', with
        -- superseded_by NULL: the API calls it 'withdrawn'); the finding as JSON, as in 'finding'
        ALTER TABLE alerts ADD COLUMN withdrawn_at INTEGER;
        ALTER TABLE alerts ADD COLUMN withdrawal TEXT;
        -- the latest alert of a study, concept and model version, superseded ones included
        CREATE INDEX alerts_result ON alerts (study_instance_uid, concept_key, model_version, created_at);

        -- A third kind of delivery, the withdrawal: SQLite cannot widen a CHECK in place.
        CREATE TABLE alert_deliveries_v2 (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          alert_id TEXT NOT NULL REFERENCES alerts (id),
          destination_id TEXT NOT NULL,
          channel TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('alert', 'escalation', 'withdrawal')),
          escalation_level INTEGER,
          idempotency_key TEXT NOT NULL UNIQUE,
          state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
          steps_done INTEGER NOT NULL DEFAULT 0,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          retry_window_from INTEGER NOT NULL,
          last_attempt_at INTEGER,
          last_error_code TEXT,
          last_error TEXT,
          last_peer_text TEXT,
          created_at INTEGER NOT NULL,
          delivered_at INTEGER,
          time_to_notification_ms INTEGER,
          closed_reason TEXT
        );
        INSERT INTO alert_deliveries_v2 SELECT * FROM alert_deliveries;
        -- The sequence goes on from where it was, not from the highest row kept (no seq reused).
        DELETE FROM sqlite_sequence WHERE name = 'alert_deliveries_v2';
        INSERT INTO sqlite_sequence (name, seq) SELECT 'alert_deliveries_v2', seq FROM sqlite_sequence WHERE name = 'alert_deliveries';
        DROP TABLE alert_deliveries;
        ALTER TABLE alert_deliveries_v2 RENAME TO alert_deliveries;
        CREATE INDEX alert_deliveries_pending ON alert_deliveries (destination_id, seq) WHERE state = 'pending';
        CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);
      `,
    },
    {
      version: 3,
      name: 'a final result confirming a preliminary one',
      // 1: the alert's final finding (complete series) says what its superseded preliminary one
      // (an early run on part of the series) said; its messages are final, not corrections.
      sql: `ALTER TABLE alerts ADD COLUMN confirms INTEGER NOT NULL DEFAULT 0;`,
    },
    {
      version: 4,
      name: 'deliveries sent through the one durable job queue',
      // Needs queue_jobs (the queue part, migrated first). A delivery's sending state (queued or
      // held by the destination's sender, done, dead, cancelled; attempts, next attempt, last
      // error) is its job's in the queue 'alerts' (grouped by destination: one at a time, in
      // order); alert_delivery_records keeps the rest (seq, kind, steps done, peer text, time to
      // notification...). Pending deliveries get their job here, in seq order; finished ones keep
      // their state in the record (state, attempts, next_attempt_at and last_error* of a record
      // with a job are left as they were when the job was made, and are not read).
      // alert_deliveries is now a view with the columns the table had.
      sql: `
        ALTER TABLE alert_deliveries RENAME TO alert_delivery_records;
        ALTER TABLE alert_delivery_records ADD COLUMN job_id TEXT;
        INSERT INTO queue_jobs (id, queue, key, payload, priority, grp, state, attempts, max_attempts, available_at, error_code, error_detail, created_at)
          SELECT 'alert-delivery-' || seq, 'alerts', idempotency_key, json_object('seq', seq, 'alertId', alert_id, 'kind', kind), 0, destination_id,
            'queued', attempts, 1000000000, next_attempt_at, last_error_code, last_error, created_at
          FROM alert_delivery_records WHERE state = 'pending' ORDER BY seq;
        UPDATE alert_delivery_records SET job_id = 'alert-delivery-' || seq WHERE state = 'pending';
        CREATE UNIQUE INDEX alert_delivery_records_job ON alert_delivery_records (job_id) WHERE job_id IS NOT NULL;
        CREATE VIEW alert_deliveries AS
          SELECT r.seq, r.alert_id, r.destination_id, r.channel, r.kind, r.escalation_level, r.idempotency_key,
            CASE WHEN j.id IS NULL THEN r.state
                 WHEN j.state IN ('queued', 'running') THEN 'pending'
                 WHEN j.state = 'done' THEN 'delivered'
                 WHEN j.state = 'cancelled' THEN 'cancelled'
                 ELSE 'dead' END AS state,
            r.steps_done,
            CASE WHEN j.id IS NULL THEN r.attempts ELSE j.attempts END AS attempts,
            CASE WHEN j.id IS NULL THEN r.next_attempt_at ELSE j.available_at END AS next_attempt_at,
            r.retry_window_from, r.last_attempt_at,
            CASE WHEN j.id IS NULL THEN r.last_error_code ELSE j.error_code END AS last_error_code,
            CASE WHEN j.id IS NULL THEN r.last_error ELSE j.error_detail END AS last_error,
            r.last_peer_text, r.created_at, r.delivered_at, r.time_to_notification_ms, r.closed_reason,
            r.job_id
          FROM alert_delivery_records r LEFT JOIN queue_jobs j ON j.id = r.job_id;
      `,
    },
  ],
};
