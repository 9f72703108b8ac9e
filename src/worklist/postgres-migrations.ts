import type { MigrationSet } from '../db/migrate.js';
import { worklistPostgresRankingSql } from './postgres-ranking-migration.js';

/**
 * The worklist part on PostgreSQL: the tables of migrations.ts with PostgreSQL's types, and the
 * maintained ranking with its triggers in PL/pgSQL (postgres-ranking-migration.ts). PostgreSQL has
 * no installed base to upgrade, so version 1 is the CURRENT final schema of the SQLite list
 * (worklist#1 to #6: worklist_findings with its added columns in the order they were added); from
 * here on both lists are append-only and a change is an entry in each
 * (test/db/schema-parity.test.ts compares them). Needs studies (the store part, migrated first).
 */
export const worklistPostgresMigrations: MigrationSet = {
  part: 'worklist',
  migrations: [
    {
      version: 1,
      name: 'reading state, orders, routing hints, AI results, feedback, model days, ranking (the SQLite schema at worklist#6)',
      sql: `
        CREATE TABLE worklist_reading (
          study_id TEXT PRIMARY KEY,
          status TEXT NOT NULL CHECK (status IN ('in-progress', 'read')),
          claimed_by TEXT,
          claimed_at BIGINT,
          read_by TEXT,
          read_at BIGINT,
          updated_at BIGINT NOT NULL
        );

        CREATE TABLE worklist_orders (
          accession TEXT PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          placer_order TEXT,
          filler_order TEXT,
          procedure_code TEXT,
          procedure_text TEXT,
          hl7_priority TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('stat', 'urgent', 'routine')),
          order_control TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('active', 'cancelled')),
          message_type TEXT NOT NULL,
          control_id TEXT NOT NULL,
          received_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        );

        CREATE TABLE worklist_rule_hints (
          study_id TEXT NOT NULL,
          series_id TEXT NOT NULL,
          rule_id TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('stat', 'urgent', 'routine')),
          at BIGINT NOT NULL,
          PRIMARY KEY (study_id, series_id)
        );

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
          probability DOUBLE PRECISION NOT NULL,
          threshold DOUBLE PRECISION NOT NULL,
          operating_point TEXT NOT NULL,
          -- flags are 0 or 1, as on SQLite
          positive INTEGER NOT NULL,
          critical INTEGER NOT NULL,
          ai_priority TEXT CHECK (ai_priority IN ('stat', 'urgent', 'routine')),
          key_instance_id TEXT,
          has_key_image INTEGER NOT NULL,
          created_at BIGINT NOT NULL,
          replaced_by TEXT,
          -- image counts and places within one series
          images_analysed INTEGER,
          images_announced INTEGER,
          key_slice_index INTEGER,
          key_frame_number INTEGER,
          shadow INTEGER NOT NULL DEFAULT 0,
          operating_point_source TEXT,
          operating_point_version BIGINT,
          preliminary INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX worklist_findings_study ON worklist_findings (study_id) WHERE replaced_by IS NULL;
        CREATE INDEX worklist_findings_series_model ON worklist_findings (series_id, model_id) WHERE replaced_by IS NULL;
        CREATE INDEX worklist_findings_model_day ON worklist_findings (model_id, created_at);

        CREATE TABLE worklist_feedback (
          finding_id TEXT NOT NULL REFERENCES worklist_findings (finding_id),
          by_token TEXT NOT NULL,
          verdict TEXT NOT NULL CHECK (verdict IN ('agree', 'disagree')),
          comment TEXT,
          at BIGINT NOT NULL,
          PRIMARY KEY (finding_id, by_token)
        );

        CREATE TABLE worklist_model_days (
          model_id TEXT NOT NULL,
          day TEXT NOT NULL,
          volume BIGINT NOT NULL,
          positives BIGINT NOT NULL,
          agree BIGINT NOT NULL,
          disagree BIGINT NOT NULL,
          window_scores BIGINT NOT NULL,
          psi DOUBLE PRECISION,
          drift TEXT NOT NULL CHECK (drift IN ('ok', 'drift', 'insufficient', 'no-baseline')),
          computed_at BIGINT NOT NULL,
          PRIMARY KEY (model_id, day)
        );
        ${worklistPostgresRankingSql}
      `,
    },
  ],
};
