import type { MigrationSet } from '../store/migrate.js';

/** API tokens: a public key id, a salted hash, never the token itself. */
export const authMigrations: MigrationSet = {
  part: 'auth',
  migrations: [
    {
      version: 1,
      name: 'api tokens',
      sql: `
        CREATE TABLE api_tokens (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          role TEXT NOT NULL,
          key_id TEXT NOT NULL,
          hash TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          created_by TEXT NOT NULL,
          last_used_at INTEGER,
          revoked_at INTEGER
        );
        -- a name and a key id belong to one live token at a time; revoked rows stay as history
        CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
        -- the lookup of every authenticated request
        CREATE UNIQUE INDEX api_tokens_live_key ON api_tokens (key_id) WHERE revoked_at IS NULL;
      `,
    },
  ],
};
