import type { MigrationSet } from '../db/migrate.js';

/**
 * The audit trail: append-only. The triggers make the database itself refuse an UPDATE or a
 * DELETE, so no code path (nor a route added later) can edit history; retention, if it is ever
 * needed, will be a migration that says so.
 */
export const auditMigrations: MigrationSet = {
  part: 'audit',
  migrations: [
    {
      version: 1,
      name: 'append-only audit trail',
      sql: `
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          token_name TEXT,
          role TEXT,
          address TEXT,
          method TEXT NOT NULL,
          route TEXT NOT NULL,
          params TEXT NOT NULL,
          resources TEXT NOT NULL,
          status INTEGER NOT NULL
        );
        -- GET /audit?token=NAME
        CREATE INDEX audit_log_token ON audit_log (token_name, seq);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      `,
    },
    {
      version: 2,
      name: 'people signed in through the OpenID provider',
      sql: `
        -- the provider's subject and the display name it gave at sign-in; null for tokens
        ALTER TABLE audit_log ADD COLUMN subject TEXT;
        ALTER TABLE audit_log ADD COLUMN person_name TEXT;
      `,
    },
  ],
};
