import type { MigrationSet } from '../../db/migrate.js';

/**
 * What a site decides about each model pack version, apart from the pack itself: whether it runs
 * in shadow or live, and the site's own operating point. Both append-only: a change, a promotion
 * and a rollback are each a new row, so the history is the table (like rule_versions).
 */
export const modelSiteMigrations: MigrationSet = {
  part: 'model-site',
  migrations: [
    {
      version: 1,
      name: 'model modes and site operating points',
      sql: `
        CREATE TABLE model_modes (
          version INTEGER PRIMARY KEY,
          model_id TEXT NOT NULL,
          -- the pack version the decision is about: a retrained pack starts from its default again
          pack_version TEXT NOT NULL,
          mode TEXT NOT NULL CHECK (mode IN ('live', 'shadow')),
          -- token name, or cli:<user>
          author TEXT NOT NULL,
          reason TEXT,
          rolled_back_to INTEGER,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX model_modes_model ON model_modes (model_id, pack_version, version);

        CREATE TABLE model_site_points (
          version INTEGER PRIMARY KEY,
          model_id TEXT NOT NULL,
          pack_version TEXT NOT NULL,
          -- 'site': this threshold decides; 'shipped': back to the pack's own default operating point
          source TEXT NOT NULL CHECK (source IN ('site', 'shipped')),
          threshold REAL,
          -- the proposal it came from: target, evidence source, counts and 95 % intervals (JSON)
          proposal TEXT,
          author TEXT NOT NULL,
          reason TEXT,
          rolled_back_to INTEGER,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX model_site_points_model ON model_site_points (model_id, pack_version, version);
      `,
    },
  ],
};
