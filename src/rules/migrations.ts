import type { MigrationSet } from '../db/migrate.js';

/** The routing part's tables: rule set versions and routing decisions. Append-only. */
export const rulesMigrations: MigrationSet = {
  part: 'rules',
  migrations: [
    {
      version: 1,
      name: 'rule versions and routing decisions',
      sql: `
        CREATE TABLE rule_versions (
          version INTEGER PRIMARY KEY,
          created_at INTEGER NOT NULL,
          -- token name of whoever made the change; "file" or "system" when no one did
          author TEXT NOT NULL,
          source TEXT NOT NULL,
          rolled_back_to INTEGER,
          -- the site's rules document (JSON) and its text as written (YAML or JSON)
          document TEXT NOT NULL,
          text TEXT NOT NULL,
          -- the rules in force, in written form (JSON), and the diff against the version before
          rules TEXT NOT NULL,
          diff TEXT NOT NULL
        );

        CREATE TABLE routing_decisions (
          id INTEGER PRIMARY KEY,
          series_id TEXT NOT NULL,
          series_version INTEGER NOT NULL,
          rule_version INTEGER,
          decided_at INTEGER NOT NULL,
          jobs TEXT NOT NULL,
          forwards TEXT NOT NULL,
          stopped_by TEXT,
          -- each rule's result and explanation (patient values never quoted)
          results TEXT NOT NULL
        );
        -- GET /series/:id/routing: a series' decisions, newest first
        CREATE INDEX routing_decisions_series ON routing_decisions (series_id, id);
      `,
    },
  ],
};
