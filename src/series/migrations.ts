import type { MigrationSet } from '../db/migrate.js';

/** The series tracker's own tables: completeness state per series, MPPS steps, what each sender taught. */
export const seriesMigrations: MigrationSet = {
  part: 'series',
  migrations: [
    {
      version: 1,
      name: 'series completeness and mpps',
      sql: `
        CREATE TABLE series_state (
          series_id TEXT PRIMARY KEY REFERENCES series (id) ON DELETE CASCADE,
          state TEXT NOT NULL CHECK (state IN ('open', 'stable')),
          -- versions declared stable so far; the next series-stable carries version + 1
          version INTEGER NOT NULL DEFAULT 0,
          -- how the last version was known: mpps, counts or idle
          reason TEXT,
          instance_count INTEGER NOT NULL DEFAULT 0,
          last_instance_at INTEGER NOT NULL,
          -- when the idle window of an open series closes (resumed after a restart)
          idle_deadline INTEGER,
          stable_at INTEGER,
          -- 1 between committing a stable version and handing its event to the bus
          emit_pending INTEGER NOT NULL DEFAULT 0
        );
        -- the idle sweep: open series by deadline
        CREATE INDEX series_state_deadline ON series_state (idle_deadline) WHERE state = 'open';
        -- events to hand over again after a crash
        CREATE INDEX series_state_emit ON series_state (series_id) WHERE emit_pending = 1;

        -- Series received before the tracker existed count as complete, without an event:
        -- an upgrade must not send a whole archive to triage. A late instance reopens them.
        INSERT INTO series_state (series_id, state, version, instance_count, last_instance_at, stable_at)
        SELECT s.id, 'stable', 0, (SELECT COUNT(*) FROM instances i WHERE i.series_ref = s.id), s.updated_at, s.updated_at
        FROM series s;

        CREATE TABLE mpps (
          sop_instance_uid TEXT PRIMARY KEY,
          status TEXT NOT NULL,
          calling_ae TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );

        CREATE TABLE mpps_instances (
          mpps_uid TEXT NOT NULL REFERENCES mpps (sop_instance_uid) ON DELETE CASCADE,
          series_instance_uid TEXT NOT NULL,
          sop_instance_uid TEXT NOT NULL,
          PRIMARY KEY (mpps_uid, sop_instance_uid)
        );
        -- which steps list a series (completeness check on each arrival)
        CREATE INDEX mpps_instances_series ON mpps_instances (series_instance_uid);
      `,
    },
    {
      version: 2,
      name: 'completeness learned per sender',
      sql: `
        -- A sender is a calling AE title, station name and modality (src/series/sender-history.ts).
        CREATE TABLE series_senders (
          id INTEGER PRIMARY KEY,
          calling_ae TEXT NOT NULL,
          station TEXT NOT NULL,
          modality TEXT NOT NULL,
          -- series versions learned from, and how many of them held one image
          series_learned INTEGER NOT NULL DEFAULT 0,
          single_image_series INTEGER NOT NULL DEFAULT 0,
          first_seen_at INTEGER NOT NULL,
          learned_at INTEGER NOT NULL,
          UNIQUE (calling_ae, station, modality)
        );

        -- Gaps between consecutive instances of a sender's past series, ms; the newest are kept.
        CREATE TABLE series_sender_gaps (
          sender_id INTEGER NOT NULL REFERENCES series_senders (id) ON DELETE CASCADE,
          gap_ms INTEGER NOT NULL
        );
        CREATE INDEX series_sender_gaps_sender ON series_sender_gaps (sender_id);
      `,
    },
  ],
};
