import type { MigrationSet } from '../db/migrate.js';

/**
 * Triage's tables on PostgreSQL: those of migrations.ts with PostgreSQL's types (images and maps
 * in BYTEA, stage times in DOUBLE PRECISION; its jobs are in queue_jobs). PostgreSQL has no
 * installed base to upgrade (no old jobs to carry into the queue), so version 1 is the CURRENT
 * final schema of the SQLite list (triage#1 to #7); from here on both lists are append-only and a
 * change is an entry in each (test/db/schema-parity.test.ts compares them).
 *
 * `rowid`: findings.ts breaks ties between findings of the same millisecond by SQLite's implicit
 * rowid (the key is a text id); PostgreSQL has none, so the table carries an explicit one (an
 * identity, in insertion order as SQLite's) and the same SQL works on both.
 * triage_findings_created ends with it, as a SQLite index implicitly does.
 */
export const triagePostgresMigrations: MigrationSet = {
  part: 'triage',
  migrations: [
    {
      version: 1,
      name: 'findings with key images and localisation maps, model switches (the SQLite schema at triage#7)',
      sql: `
        CREATE TABLE triage_findings (
          id TEXT PRIMARY KEY,
          job_id TEXT NOT NULL UNIQUE,
          series_id TEXT NOT NULL,
          study_id TEXT NOT NULL,
          model_id TEXT NOT NULL,
          -- 0 or 1, as on SQLite
          positive INTEGER NOT NULL,
          created_at BIGINT NOT NULL,
          body TEXT NOT NULL,
          key_image BYTEA,
          -- how the map lies on the source images (JSON), and the map (float32)
          localisation TEXT,
          localisation_map BYTEA,
          rowid BIGINT GENERATED ALWAYS AS IDENTITY
        );
        CREATE INDEX triage_findings_series ON triage_findings (series_id);
        CREATE INDEX triage_findings_study ON triage_findings (study_id);
        CREATE INDEX triage_findings_created ON triage_findings (created_at, rowid);

        CREATE TABLE triage_model_switches (
          model_id TEXT PRIMARY KEY,
          enabled INTEGER NOT NULL,
          changed_at BIGINT NOT NULL
        );
      `,
    },
  ],
};
