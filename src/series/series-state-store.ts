import type { Db } from '../db/database.js';
import type { StableReason } from '../events/types.js';

export type SeriesPhase = 'open' | 'stable';

/** Where a series stands: open (receiving, or waiting) or stable at some version. */
export interface SeriesState {
  seriesId: string;
  state: SeriesPhase;
  /** Versions declared stable so far (0 while a new series is still open). */
  version: number;
  reason: StableReason | null;
  instanceCount: number;
  lastInstanceAt: number;
  idleDeadline: number | null;
  stableAt: number | null;
  emitPending: boolean;
}

/** What a series-stable event needs to say about its series, read from the hierarchy. */
export interface SeriesIdentity {
  seriesId: string;
  studyId: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  modality: string | null;
}

interface StateRow {
  series_id: string;
  state: SeriesPhase;
  version: number;
  reason: StableReason | null;
  instance_count: number;
  last_instance_at: number;
  idle_deadline: number | null;
  stable_at: number | null;
  emit_pending: number;
}

/** The series_state table: every write is one small statement the tracker puts in a transaction. */
export class SeriesStateStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare<[string], StateRow>('SELECT * FROM series_state WHERE series_id = ?'),
      insertOpen: db.prepare(`INSERT INTO series_state (series_id, state, last_instance_at, idle_deadline) VALUES (?, 'open', ?, ?)`),
      touchOpen: db.prepare(`UPDATE series_state SET state = 'open', last_instance_at = ?, idle_deadline = ? WHERE series_id = ?`),
      markStable: db.prepare(
        `UPDATE series_state SET state = 'stable', version = version + 1, reason = ?, instance_count = ?, stable_at = ?,
           idle_deadline = NULL, emit_pending = 1
         WHERE series_id = ? AND state = 'open'`,
      ),
      emitted: db.prepare('UPDATE series_state SET emit_pending = 0 WHERE series_id = ? AND version = ?'),
      due: db.prepare<[number], { series_id: string }>(`SELECT series_id FROM series_state WHERE state = 'open' AND idle_deadline <= ? ORDER BY idle_deadline`),
      nextDeadline: db.prepare<[], { at: number | null }>(`SELECT MIN(idle_deadline) AS at FROM series_state WHERE state = 'open'`),
      pendingEmits: db.prepare<[], { series_id: string }>('SELECT series_id FROM series_state WHERE emit_pending = 1'),
      openWithModality: db.prepare<[], { series_id: string; modality: string | null }>(
        `SELECT st.series_id, s.modality FROM series_state st JOIN series s ON s.id = st.series_id WHERE st.state = 'open'`,
      ),
      // CASE, not SQLite's scalar MAX: the same SQL on PostgreSQL (an open series always has a deadline).
      extendDeadline: db.prepare<[{ deadline: number; seriesId: string }]>(
        `UPDATE series_state SET idle_deadline = CASE WHEN idle_deadline >= @deadline THEN idle_deadline ELSE @deadline END
         WHERE series_id = @seriesId AND state = 'open'`,
      ),
      openIdsByUid: db.prepare<[string], { id: string }>(
        `SELECT s.id FROM series s JOIN series_state st ON st.series_id = s.id
         WHERE s.series_instance_uid = ? AND st.state = 'open'`,
      ),
      identity: db.prepare<[string], { id: string; study_ref: string; series_instance_uid: string; study_instance_uid: string; modality: string | null }>(
        `SELECT s.id, s.study_ref, s.series_instance_uid, st.study_instance_uid, s.modality
         FROM series s JOIN studies st ON st.id = s.study_ref WHERE s.id = ?`,
      ),
      instanceCount: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM instances WHERE series_ref = ?'),
      untracked: db.prepare<[], { id: string; last: number }>(
        `SELECT s.id, MAX(i.received_at) AS last FROM series s JOIN instances i ON i.series_ref = s.id
         WHERE NOT EXISTS (SELECT 1 FROM series_state st WHERE st.series_id = s.id) GROUP BY s.id`,
      ),
      grownSinceStable: db.prepare<[], { id: string; last: number }>(
        `SELECT st.series_id AS id, MAX(i.received_at) AS last FROM series_state st JOIN instances i ON i.series_ref = st.series_id
         WHERE st.state = 'stable' GROUP BY st.series_id HAVING COUNT(*) > st.instance_count`,
      ),
      instanceUids: db.prepare<[string], { sop_instance_uid: string }>('SELECT sop_instance_uid FROM instances WHERE series_ref = ?'),
    };
  }

  get(seriesId: string): SeriesState | undefined {
    const row = this.stmts.get.get(seriesId);
    return row ? toState(row) : undefined;
  }

  open(seriesId: string, lastInstanceAt: number, idleDeadline: number): void {
    this.stmts.insertOpen.run(seriesId, lastInstanceAt, idleDeadline);
  }

  /** Records an arrival: the series is (again) open and its idle window restarts. */
  touch(seriesId: string, lastInstanceAt: number, idleDeadline: number): void {
    this.stmts.touchOpen.run(lastInstanceAt, idleDeadline, seriesId);
  }

  /** Open -> stable, once: false when the series was not open (another path got there first). */
  markStable(seriesId: string, reason: StableReason, instanceCount: number, at: number): boolean {
    return this.stmts.markStable.run(reason, instanceCount, at, seriesId).changes === 1;
  }

  /** Version `version` was handed over; a later version declared meanwhile (by another process) stays pending. */
  markEmitted(seriesId: string, version: number): void {
    this.stmts.emitted.run(seriesId, version);
  }

  dueForIdle(now: number): string[] {
    return this.stmts.due.all(now).map((r) => r.series_id);
  }

  nextIdleDeadline(): number | undefined {
    return this.stmts.nextDeadline.get()?.at ?? undefined;
  }

  /** Open series with their modality (for their idle window). */
  openSeries(): { seriesId: string; modality: string | null }[] {
    return this.stmts.openWithModality.all().map((r) => ({ seriesId: r.series_id, modality: r.modality }));
  }

  /** Moves an open series' idle deadline to `deadline` unless it is already later. */
  extendIdleDeadline(seriesId: string, deadline: number): void {
    this.stmts.extendDeadline.run({ deadline, seriesId });
  }

  pendingEmits(): string[] {
    return this.stmts.pendingEmits.all().map((r) => r.series_id);
  }

  /**
   * Arrivals the tracker never saw: the process stopped between an instance's commit and its
   * instance-stored event. Series with no state at all, and stable series that grew since.
   */
  missedArrivals(): { seriesId: string; lastInstanceAt: number; known: boolean }[] {
    return [
      ...this.stmts.untracked.all().map((r) => ({ seriesId: r.id, lastInstanceAt: r.last, known: false })),
      ...this.stmts.grownSinceStable.all().map((r) => ({ seriesId: r.id, lastInstanceAt: r.last, known: true })),
    ];
  }

  openSeriesWithUid(seriesInstanceUid: string): string[] {
    return this.stmts.openIdsByUid.all(seriesInstanceUid).map((r) => r.id);
  }

  identity(seriesId: string): SeriesIdentity | undefined {
    const row = this.stmts.identity.get(seriesId);
    if (!row) return undefined;
    return {
      seriesId: row.id,
      studyId: row.study_ref,
      seriesInstanceUid: row.series_instance_uid,
      studyInstanceUid: row.study_instance_uid,
      modality: row.modality,
    };
  }

  instanceCount(seriesId: string): number {
    return this.stmts.instanceCount.get(seriesId)!.n;
  }

  storedSopInstanceUids(seriesId: string): Set<string> {
    return new Set(this.stmts.instanceUids.all(seriesId).map((r) => r.sop_instance_uid));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

function toState(row: StateRow): SeriesState {
  return {
    seriesId: row.series_id,
    state: row.state,
    version: row.version,
    reason: row.reason,
    instanceCount: row.instance_count,
    lastInstanceAt: row.last_instance_at,
    idleDeadline: row.idle_deadline,
    stableAt: row.stable_at,
    emitPending: row.emit_pending === 1,
  };
}
