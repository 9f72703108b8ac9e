import type { MigrationSet } from '../../db/migrate.js';

/**
 * IT's operational notices on PostgreSQL: the table of migrations.ts with PostgreSQL's types
 * (their deliveries are jobs of the queue 'operational'). PostgreSQL has no installed base to
 * upgrade (no old deliveries to carry into the queue), so version 1 is the CURRENT final schema
 * of the SQLite list (operational#1 and #2); from here on both lists are append-only and a change
 * is an entry in each (test/db/schema-parity.test.ts compares them).
 */
export const operationalPostgresMigrations: MigrationSet = {
  part: 'operational',
  migrations: [
    {
      version: 1,
      name: 'operational notices (the SQLite schema at operational#2)',
      sql: `
        CREATE TABLE operational_notices (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          model_id TEXT NOT NULL,
          -- the UTC day it is about: one notice per kind, model and day
          day TEXT NOT NULL,
          summary TEXT NOT NULL,
          data TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          UNIQUE (kind, model_id, day)
        );
      `,
    },
  ],
};
