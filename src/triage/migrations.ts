import type { MigrationSet } from '../db/migrate.js';

/** Triage: the durable job queue, findings with their key images, and which models IT enabled. */
export const triageMigrations: MigrationSet = {
  part: 'triage',
  migrations: [
    {
      version: 1,
      name: 'jobs, findings, model switches',
      sql: `
        CREATE TABLE triage_jobs (
          id TEXT PRIMARY KEY,
          series_id TEXT NOT NULL,
          series_version INTEGER NOT NULL,
          model_id TEXT NOT NULL,
          priority TEXT NOT NULL,
          priority_rank INTEGER NOT NULL,
          rule_id TEXT,
          state TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          error_code TEXT,
          error_detail TEXT,
          created_at INTEGER NOT NULL,
          available_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          finding_id TEXT,
          -- enqueue is idempotent per series version and model
          UNIQUE (series_id, series_version, model_id)
        );
        -- the next job to run: STAT first, then the longest waiting
        CREATE INDEX triage_jobs_next ON triage_jobs (state, priority_rank DESC, available_at);
        -- GET /jobs, newest first
        CREATE INDEX triage_jobs_created ON triage_jobs (created_at);

        CREATE TABLE triage_findings (
          id TEXT PRIMARY KEY,
          job_id TEXT NOT NULL UNIQUE,
          series_id TEXT NOT NULL,
          study_id TEXT NOT NULL,
          model_id TEXT NOT NULL,
          positive INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          body TEXT NOT NULL,
          key_image BLOB
        );
        -- GET /findings?seriesId= and the findings of a study
        CREATE INDEX triage_findings_series ON triage_findings (series_id);
        CREATE INDEX triage_findings_study ON triage_findings (study_id);
        -- GET /findings, newest first
        CREATE INDEX triage_findings_created ON triage_findings (created_at);

        CREATE TABLE triage_model_switches (
          model_id TEXT PRIMARY KEY,
          enabled INTEGER NOT NULL,
          changed_at INTEGER NOT NULL
        );
      `,
    },
    {
      version: 2,
      name: 'stage times of a finished job',
      // Null until the job is done (and for jobs done before this migration).
      sql: `
        ALTER TABLE triage_jobs ADD COLUMN decode_ms REAL;
        ALTER TABLE triage_jobs ADD COLUMN preprocess_ms REAL;
        ALTER TABLE triage_jobs ADD COLUMN inference_ms REAL;
        ALTER TABLE triage_jobs ADD COLUMN key_image_ms REAL;
      `,
    },
    {
      version: 3,
      name: 'clinical urgency of a job',
      // The model pack's finding.urgency when the job was queued; jobs queued before, the default.
      sql: `
        ALTER TABLE triage_jobs ADD COLUMN urgency INTEGER NOT NULL DEFAULT 50;
        -- the next job to run: the most urgent model first, then STAT, then the longest waiting
        CREATE INDEX triage_jobs_urgent ON triage_jobs (state, urgency DESC, priority_rank DESC, available_at);
      `,
    },
    {
      version: 4,
      name: 'early runs on a series still arriving',
      // An early job (1) runs the model on part of a series version before it is complete; the
      // final job (0) of the same version runs at completion. SQLite cannot widen a UNIQUE in place.
      sql: `
        CREATE TABLE triage_jobs_v4 (
          id TEXT PRIMARY KEY,
          series_id TEXT NOT NULL,
          series_version INTEGER NOT NULL,
          model_id TEXT NOT NULL,
          early INTEGER NOT NULL DEFAULT 0,
          priority TEXT NOT NULL,
          priority_rank INTEGER NOT NULL,
          rule_id TEXT,
          state TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          error_code TEXT,
          error_detail TEXT,
          created_at INTEGER NOT NULL,
          available_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          finding_id TEXT,
          decode_ms REAL,
          preprocess_ms REAL,
          inference_ms REAL,
          key_image_ms REAL,
          urgency INTEGER NOT NULL DEFAULT 50,
          -- enqueue is idempotent per series version, model and kind (early or final)
          UNIQUE (series_id, series_version, model_id, early)
        );
        INSERT INTO triage_jobs_v4 (id, series_id, series_version, model_id, early, priority, priority_rank, rule_id, state, attempts, max_attempts,
            error_code, error_detail, created_at, available_at, started_at, finished_at, finding_id, decode_ms, preprocess_ms, inference_ms, key_image_ms, urgency)
          SELECT id, series_id, series_version, model_id, 0, priority, priority_rank, rule_id, state, attempts, max_attempts,
            error_code, error_detail, created_at, available_at, started_at, finished_at, finding_id, decode_ms, preprocess_ms, inference_ms, key_image_ms, urgency
          FROM triage_jobs;
        DROP TABLE triage_jobs;
        ALTER TABLE triage_jobs_v4 RENAME TO triage_jobs;
        CREATE INDEX triage_jobs_next ON triage_jobs (state, priority_rank DESC, available_at);
        CREATE INDEX triage_jobs_created ON triage_jobs (created_at);
        CREATE INDEX triage_jobs_urgent ON triage_jobs (state, urgency DESC, priority_rank DESC, available_at);
      `,
    },
    {
      version: 5,
      name: 'jobs in the one durable job queue',
      // Needs queue_jobs (the queue part, migrated first). Every job is carried over, done ones
      // too (GET /triage/jobs shows them; their keys keep enqueueing idempotent), with its id,
      // so findings still name their job. Keys and priorities as src/triage/jobs.ts makes them.
      // A job left running is held by nobody (lease 0): the start-up recovery queues it again.
      // triage_jobs stays as it was, unused from here on; version 7 drops it.
      sql: `
        INSERT INTO queue_jobs (id, queue, key, payload, priority, grp, state, attempts, max_attempts, available_at, lease_owner, lease_until,
            error_code, error_detail, result, created_at, started_at, finished_at)
          SELECT id, 'triage',
            json_array(series_id, series_version, model_id, CASE early WHEN 1 THEN 'early' ELSE 'final' END),
            json_object('seriesId', series_id, 'seriesVersion', series_version, 'modelId', model_id, 'early', json(CASE early WHEN 1 THEN 'true' ELSE 'false' END),
              'priority', priority, 'urgency', urgency, 'ruleId', rule_id),
            urgency * 10 + priority_rank, NULL, state, attempts, max_attempts, available_at,
            CASE state WHEN 'running' THEN 'before-the-upgrade' END, CASE state WHEN 'running' THEN 0 END,
            error_code, error_detail,
            CASE WHEN finding_id IS NULL THEN NULL ELSE json_object('findingId', finding_id, 'timings',
              json(CASE WHEN decode_ms IS NULL OR preprocess_ms IS NULL OR inference_ms IS NULL OR key_image_ms IS NULL THEN 'null'
                ELSE json_object('decodeMs', decode_ms, 'preprocessMs', preprocess_ms, 'inferenceMs', inference_ms, 'keyImageMs', key_image_ms) END)) END,
            created_at, started_at, finished_at
          FROM triage_jobs ORDER BY rowid;
      `,
    },
    {
      version: 6,
      name: 'localisation maps for DICOM Segmentations',
      // The map (float32) and how it lies on the source images (JSON): a SEG is made from them on
      // the source series' geometry when a result goes to a PACS. Older findings have none.
      sql: `
        ALTER TABLE triage_findings ADD COLUMN localisation TEXT;
        ALTER TABLE triage_findings ADD COLUMN localisation_map BLOB;
      `,
    },
    {
      version: 7,
      name: 'the old jobs table dropped',
      // Version 5 copied every row into queue_jobs; nothing has read triage_jobs since (its
      // indexes go with it). An index from before the queue passes through 5 first.
      sql: `DROP TABLE triage_jobs;`,
    },
  ],
};
