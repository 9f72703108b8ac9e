import type { MigrationSet } from '../db/migrate.js';

/**
 * API tokens: a public key id, a salted hash, never the token itself. Page sessions of people
 * signed in through the OpenID provider: the cookie's SHA-256, never the cookie.
 */
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
    {
      version: 2,
      name: 'page sessions',
      sql: `
        CREATE TABLE web_sessions (
          id_hash TEXT PRIMARY KEY,
          subject TEXT NOT NULL,
          name TEXT NOT NULL,
          username TEXT NOT NULL,
          role TEXT NOT NULL,
          csrf TEXT NOT NULL,
          -- for the provider's sign-out (id_token_hint); null when it gave none
          id_token TEXT,
          created_at INTEGER NOT NULL,
          last_seen_at INTEGER NOT NULL,
          ends_at INTEGER NOT NULL
        );
        CREATE INDEX web_sessions_ends ON web_sessions (ends_at);
      `,
    },
  ],
};
