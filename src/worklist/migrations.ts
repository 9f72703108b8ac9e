import type { MigrationSet } from '../db/migrate.js';
import { worklistRankingSql } from './ranking-migration.js';

/**
 * The worklist part of the index. A worklist entry is a study of the index (every study is on
 * the list); these tables hold what the worklist adds to it: the reading state, the orders from
 * the RIS, the routing rules' hints, the AI results that may raise a priority, radiologists'
 * feedback, and the nightly per-model figures. Patient data stays in the DICOM index.
 */
export const worklistMigrations: MigrationSet = {
  part: 'worklist',
  migrations: [
    {
      version: 1,
      name: 'reading state, orders, routing hints, AI results, feedback, model days',
      sql: `
        -- No row: unread. A claim makes it in-progress; a reading makes it read.
        CREATE TABLE worklist_reading (
          study_id TEXT PRIMARY KEY,
          status TEXT NOT NULL CHECK (status IN ('in-progress', 'read')),
          claimed_by TEXT,
          claimed_at INTEGER,
          read_by TEXT,
          read_at INTEGER,
          updated_at INTEGER NOT NULL
        );

        -- The RIS's latest word on each accession (ORM^O01 / OMI^O23). No patient data: the
        -- patient is the study's.
        CREATE TABLE worklist_orders (
          accession TEXT PRIMARY KEY,
          -- ours: /changes names the order by it, never by its accession (patient data)
          id TEXT NOT NULL UNIQUE,
          placer_order TEXT,
          filler_order TEXT,
          procedure_code TEXT,
          procedure_text TEXT,
          -- table 0027 as sent, and what we read it as
          hl7_priority TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('stat', 'urgent', 'routine')),
          order_control TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('active', 'cancelled')),
          message_type TEXT NOT NULL,
          control_id TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );

        -- A routing rule's priority hint for a series (the most pressing of its jobs).
        CREATE TABLE worklist_rule_hints (
          study_id TEXT NOT NULL,
          series_id TEXT NOT NULL,
          rule_id TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('stat', 'urgent', 'routine')),
          at INTEGER NOT NULL,
          PRIMARY KEY (study_id, series_id)
        );

        -- Every finding, as the worklist needs it: why a priority was raised, and the monitoring.
        -- ai_priority is set for positive findings only; a later finding of the same series and
        -- model replaces an earlier one (replaced_by), so a negative re-run withdraws a raise.
        CREATE TABLE worklist_findings (
          finding_id TEXT PRIMARY KEY,
          study_id TEXT NOT NULL,
          series_id TEXT NOT NULL,
          model_id TEXT NOT NULL,
          model_version TEXT NOT NULL,
          device_uid TEXT NOT NULL,
          concept_system TEXT NOT NULL,
          concept_code TEXT NOT NULL,
          concept_display TEXT NOT NULL,
          probability REAL NOT NULL,
          threshold REAL NOT NULL,
          operating_point TEXT NOT NULL,
          positive INTEGER NOT NULL,
          critical INTEGER NOT NULL,
          ai_priority TEXT CHECK (ai_priority IN ('stat', 'urgent', 'routine')),
          key_instance_id TEXT,
          has_key_image INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          replaced_by TEXT
        );
        -- the AI priority of a study (standing findings)
        CREATE INDEX worklist_findings_study ON worklist_findings (study_id) WHERE replaced_by IS NULL;
        -- the finding a new one replaces
        CREATE INDEX worklist_findings_series_model ON worklist_findings (series_id, model_id) WHERE replaced_by IS NULL;
        -- the nightly figures of a model's day
        CREATE INDEX worklist_findings_model_day ON worklist_findings (model_id, created_at);

        -- One verdict per finding and radiologist (a new one replaces theirs).
        CREATE TABLE worklist_feedback (
          finding_id TEXT NOT NULL REFERENCES worklist_findings (finding_id),
          by_token TEXT NOT NULL,
          verdict TEXT NOT NULL CHECK (verdict IN ('agree', 'disagree')),
          comment TEXT,
          at INTEGER NOT NULL,
          PRIMARY KEY (finding_id, by_token)
        );

        -- The nightly figures, one row per model and UTC day.
        CREATE TABLE worklist_model_days (
          model_id TEXT NOT NULL,
          day TEXT NOT NULL,
          volume INTEGER NOT NULL,
          positives INTEGER NOT NULL,
          agree INTEGER NOT NULL,
          disagree INTEGER NOT NULL,
          -- scores in the drift window ending this day; the PSI is NULL when not judged
          window_scores INTEGER NOT NULL,
          psi REAL,
          drift TEXT NOT NULL CHECK (drift IN ('ok', 'drift', 'insufficient', 'no-baseline')),
          computed_at INTEGER NOT NULL,
          PRIMARY KEY (model_id, day)
        );
      `,
    },
    {
      version: 2,
      name: 'AI results made on part of a series',
      // Both NULL for a complete series (and for results recorded before this migration).
      sql: `
        ALTER TABLE worklist_findings ADD COLUMN images_analysed INTEGER;
        ALTER TABLE worklist_findings ADD COLUMN images_announced INTEGER;
      `,
    },
    {
      version: 3,
      name: 'Where the key image is in its series',
      // NULL for results recorded before this migration (the page then says less).
      sql: `
        ALTER TABLE worklist_findings ADD COLUMN key_slice_index INTEGER;
        ALTER TABLE worklist_findings ADD COLUMN key_frame_number INTEGER;
      `,
    },
    {
      version: 4,
      name: 'Shadow results and the operating point that decided each result',
      // A shadow result (a pack version not yet live) is counted by the monitoring and takes
      // verdicts, but raises nothing and is not among a study's results. The operating point:
      // 'shipped' or 'site' with the site point's version (NULL source for older rows: shipped).
      sql: `
        ALTER TABLE worklist_findings ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE worklist_findings ADD COLUMN operating_point_source TEXT;
        ALTER TABLE worklist_findings ADD COLUMN operating_point_version INTEGER;
      `,
    },
    {
      version: 5,
      name: 'A maintained ranking, so that a page costs the same at 1k and 1M studies',
      sql: worklistRankingSql,
    },
    {
      version: 6,
      name: 'Preliminary results of early runs',
      // 1: made on part of a series still arriving (a positive: a negative one is not recorded);
      // the result on the complete series replaces it.
      sql: `ALTER TABLE worklist_findings ADD COLUMN preliminary INTEGER NOT NULL DEFAULT 0;`,
    },
  ],
};
