import type { Db } from '../db/database.js';

/**
 * The change feed (Orthanc's /changes): a sequence-numbered record of what happened, which
 * clients poll with `since`. Parts append to it inside the same transaction as the change.
 */
export const CHANGE_TYPES = [
  'new-patient',
  'new-study',
  'new-series',
  'new-instance',
  'deleted',
  // retention (src/store/retention/): resource type 'study'; data has reason (age, size), instances, bytes.
  // The same removal also appends 'deleted' for the study.
  'retention-removed',
  // receiving (src/store/instance-store.ts): an instance sent again with other content, by
  // storage.duplicates; resource id the instance held, data says whether the patient differed
  'duplicate-ignored',
  'instance-overwritten',
  // series tracker (src/series/): data says the version, and for stable-series how it was known
  'stable-series',
  'reopened-series',
  // routing (src/rules/): a series' routing decision; a new version of the rules in force
  'series-routed',
  'rules-changed',
  // alerts (src/alerts/): resource type 'alert', resource id the alert id
  'alert-created',
  'alert-superseded',
  'alert-withdrawn',
  'alert-delivered',
  'alert-dead-lettered',
  'alert-retried',
  'alert-cancelled',
  'alert-acknowledged',
  'alert-escalated',
  // triage (src/triage/): a finding was stored; data has seriesId, modelId, positive, critical
  'finding',
  // worklist (src/worklist/): resource type 'study' (reading, priority, feedback), 'order' (our
  // order id, never the accession) or 'model' (drift)
  'worklist-claimed',
  'worklist-released',
  'worklist-read',
  'priority-raised',
  'finding-feedback',
  'order-received',
  'model-drift',
  // models at this site (src/triage/site/, src/alerts/operational/): resource type 'model', the
  // model id; data has the pack version, the new mode or operating point and its version, who
  'model-mode',
  'model-operating-point',
  'operational-notice',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface Change {
  seq: number;
  type: string;
  resourceType: string;
  resourceId: string;
  at: string;
  data: Record<string, unknown> | null;
}

interface ChangeRow {
  seq: number;
  type: string;
  resource_type: string;
  resource_id: string;
  at: number;
  data: string | null;
}

export class ChangeFeed {
  private readonly insert;
  private readonly page;
  private readonly lastSeq;

  constructor(db: Db) {
    // RETURNING, not better-sqlite3's lastInsertRowid: the same SQL gives the key on PostgreSQL.
    this.insert = db.prepare<[string, string, string, number, string | null], { seq: number }>(
      'INSERT INTO changes (type, resource_type, resource_id, at, data) VALUES (?, ?, ?, ?, ?) RETURNING seq',
    );
    this.page = db.prepare<[number, number], ChangeRow>('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?');
    this.lastSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM changes');
  }

  /** Synchronous, so it can join the caller's transaction. `type` is a ChangeType or a part's own. */
  append(type: string, resourceType: string, resourceId: string, data?: Record<string, unknown>, at = Date.now()): number {
    return this.insert.get(type, resourceType, resourceId, at, data ? JSON.stringify(data) : null)!.seq;
  }

  list(since: number, limit: number): { changes: Change[]; last: number; done: boolean } {
    const rows = this.page.all(since, limit + 1);
    const done = rows.length <= limit;
    const changes = rows.slice(0, limit).map(toChange);
    const last = changes.length > 0 ? changes[changes.length - 1]!.seq : this.last();
    return { changes, last, done };
  }

  last(): number {
    return this.lastSeq.get()?.seq ?? 0;
  }
}

function toChange(row: ChangeRow): Change {
  return {
    seq: row.seq,
    type: row.type,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    at: new Date(row.at).toISOString(),
    data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : null,
  };
}
