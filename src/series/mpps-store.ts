import type { Db } from '../db/database.js';

/** PS3.3 C.4.14 Performed Procedure Step Status. */
export const MPPS_STATES = ['IN PROGRESS', 'COMPLETED', 'DISCONTINUED'] as const;
export type MppsState = (typeof MPPS_STATES)[number];

/** One instance a step says it made. */
export interface MppsListing {
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/** The mpps tables: steps by SOP instance UID and the instances each one lists. */
export class MppsStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare<[string], { status: MppsState }>('SELECT status FROM mpps WHERE sop_instance_uid = ?'),
      insert: db.prepare('INSERT INTO mpps (sop_instance_uid, status, calling_ae, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE mpps SET status = ?, updated_at = ? WHERE sop_instance_uid = ?'),
      clearListing: db.prepare('DELETE FROM mpps_instances WHERE mpps_uid = ?'),
      list: db.prepare('INSERT INTO mpps_instances (mpps_uid, series_instance_uid, sop_instance_uid) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      seriesOf: db.prepare<[string], { series_instance_uid: string }>('SELECT DISTINCT series_instance_uid FROM mpps_instances WHERE mpps_uid = ?'),
      completedListing: db.prepare<[string], { sop_instance_uid: string }>(
        `SELECT i.sop_instance_uid FROM mpps_instances i JOIN mpps m ON m.sop_instance_uid = i.mpps_uid
         WHERE i.series_instance_uid = ? AND m.status = 'COMPLETED'`,
      ),
    };
  }

  status(uid: string): MppsState | undefined {
    return this.stmts.get.get(uid)?.status;
  }

  create(uid: string, status: MppsState, callingAeTitle: string, at: number, listing: readonly MppsListing[]): void {
    this.db.transaction(() => {
      this.stmts.insert.run(uid, status, callingAeTitle, at, at);
      this.replaceListing(uid, listing);
    })();
  }

  /** N-SET: a new status, and the Performed Series Sequence replaced when the request carries one. */
  update(uid: string, status: MppsState, at: number, listing: readonly MppsListing[] | undefined): void {
    this.db.transaction(() => {
      this.stmts.update.run(status, at, uid);
      if (listing) this.replaceListing(uid, listing);
    })();
  }

  seriesListedBy(uid: string): string[] {
    return this.stmts.seriesOf.all(uid).map((r) => r.series_instance_uid);
  }

  /** Every instance of a series that some COMPLETED step lists. */
  completedListing(seriesInstanceUid: string): Set<string> {
    return new Set(this.stmts.completedListing.all(seriesInstanceUid).map((r) => r.sop_instance_uid));
  }

  private replaceListing(uid: string, listing: readonly MppsListing[]): void {
    this.stmts.clearListing.run(uid);
    for (const item of listing) this.stmts.list.run(uid, item.seriesInstanceUid, item.sopInstanceUid);
  }
}
