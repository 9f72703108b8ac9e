import type { Db } from '../db/database.js';
import type { Finding } from '../domain/finding.js';
import type { Priority } from '../domain/priority.js';
import { conceptKey, type Alert, type AlertState } from './model.js';

interface AlertRow {
  id: string;
  finding_id: string;
  study_id: string;
  study_instance_uid: string;
  concept_key: string;
  model_id: string;
  model_version: string;
  critical: number;
  priority: string;
  finding: string;
  state: string;
  superseded_by: string | null;
  result_id: string;
  replaces: string | null;
  confirms: number;
  withdrawn_at: number | null;
  withdrawal: string | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  acknowledgement_note: string | null;
  escalation_level: number;
  escalate_at: number | null;
  finding_stored_at: number;
  created_at: number;
}

export interface AlertQuery {
  state?: AlertState | undefined;
  critical?: boolean | undefined;
  studyId?: string | undefined;
  /** Only alerts created before this time (paging newest first). */
  before?: number | undefined;
  limit: number;
}

/** Rows of the `alerts` table. Synchronous, so callers can group writes in one transaction. */
export class AlertStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO alerts (id, finding_id, study_id, study_instance_uid, concept_key, model_id, model_version, critical,
           priority, finding, state, escalate_at, finding_stored_at, created_at, result_id, replaces, confirms)
         VALUES (@id, @findingId, @studyId, @studyUid, @conceptKey, @modelId, @modelVersion, @critical,
           @priority, @finding, 'open', @escalateAt, @storedAt, @createdAt, @resultId, @replaces, @confirms)`,
      ),
      get: db.prepare<[string], AlertRow>('SELECT * FROM alerts WHERE id = ?'),
      live: db.prepare<[string, string, string], AlertRow>(
        `SELECT * FROM alerts WHERE study_instance_uid = ? AND concept_key = ? AND model_version = ? AND state != 'superseded'`,
      ),
      history: db.prepare<[string, string, string], AlertRow>(
        `SELECT * FROM alerts WHERE study_instance_uid = ? AND concept_key = ? AND model_version = ? ORDER BY created_at DESC, rowid DESC`,
      ),
      supersede: db.prepare(`UPDATE alerts SET state = 'superseded', superseded_by = ?, escalate_at = NULL WHERE id = ?`),
      withdraw: db.prepare(
        `UPDATE alerts SET state = 'superseded', withdrawn_at = @at, withdrawal = @finding, escalate_at = NULL WHERE id = @id AND state != 'superseded'`,
      ),
      acknowledge: db.prepare(
        `UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, acknowledgement_note = ?, escalate_at = NULL
         WHERE id = ? AND state = 'open'`,
      ),
      dueForEscalation: db.prepare<[number, number], AlertRow>(
        `SELECT * FROM alerts WHERE escalate_at IS NOT NULL AND escalate_at <= ? AND state = 'open' ORDER BY escalate_at LIMIT ?`,
      ),
      escalated: db.prepare('UPDATE alerts SET escalation_level = ?, escalate_at = ? WHERE id = ?'),
    };
  }

  insert(alert: {
    id: string;
    finding: Finding;
    escalateAt: number | null;
    createdAt: number;
    resultId: string;
    replaces: string | null;
    confirms?: boolean;
  }): void {
    const f = alert.finding;
    this.stmts.insert.run({
      id: alert.id,
      findingId: f.id,
      studyId: f.studyId,
      studyUid: f.studyInstanceUid,
      conceptKey: conceptKey(f.concept),
      modelId: f.modelId,
      modelVersion: f.modelVersion,
      critical: f.critical ? 1 : 0,
      priority: f.priority,
      finding: JSON.stringify(f),
      escalateAt: alert.escalateAt,
      storedAt: f.createdAt,
      createdAt: alert.createdAt,
      resultId: alert.resultId,
      replaces: alert.replaces,
      confirms: alert.confirms ? 1 : 0,
    });
  }

  get(id: string): Alert | undefined {
    const row = this.stmts.get.get(id);
    return row ? toAlert(row) : undefined;
  }

  /** The alert that stands for this study, concept and model version, if any. */
  live(finding: Finding): Alert | undefined {
    const row = this.stmts.live.get(finding.studyInstanceUid, conceptKey(finding.concept), finding.modelVersion);
    return row ? toAlert(row) : undefined;
  }

  /** Every alert for this study, concept and model version, whatever its state, newest first (a handful). */
  history(finding: Finding): Alert[] {
    return this.stmts.history.all(finding.studyInstanceUid, conceptKey(finding.concept), finding.modelVersion).map(toAlert);
  }

  supersede(id: string, by: string): void {
    this.stmts.supersede.run(by, id);
  }

  /** The standing alert no longer stands: `finding`, a later negative one, says so. */
  withdraw(id: string, finding: Finding, at: number): void {
    this.stmts.withdraw.run({ id, at, finding: JSON.stringify(finding) });
  }

  /** False when the alert was not open (already acknowledged, superseded or withdrawn). */
  acknowledge(id: string, at: number, by: string, note: string | null): boolean {
    return this.stmts.acknowledge.run(at, by, note, id).changes === 1;
  }

  dueForEscalation(now: number, limit: number): Alert[] {
    return this.stmts.dueForEscalation.all(now, limit).map(toAlert);
  }

  setEscalation(id: string, level: number, nextAt: number | null): void {
    this.stmts.escalated.run(level, nextAt, id);
  }

  list(q: AlertQuery): Alert[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.state === 'withdrawn') where.push(`state = 'superseded' AND withdrawn_at IS NOT NULL`);
    else if (q.state === 'superseded') where.push(`state = 'superseded' AND withdrawn_at IS NULL`);
    else if (q.state) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.critical !== undefined) {
      where.push('critical = ?');
      params.push(q.critical ? 1 : 0);
    }
    if (q.studyId) {
      where.push('study_id = ?');
      params.push(q.studyId);
    }
    if (q.before !== undefined) {
      where.push('created_at < ?');
      params.push(q.before);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ?`;
    return this.db
      .prepare<(string | number)[], AlertRow>(sql)
      .all(...params, q.limit)
      .map(toAlert);
  }
}

function toAlert(row: AlertRow): Alert {
  const finding = JSON.parse(row.finding) as Finding;
  return {
    id: row.id,
    findingId: row.finding_id,
    studyId: row.study_id,
    studyInstanceUid: row.study_instance_uid,
    modelId: row.model_id,
    modelVersion: row.model_version,
    concept: finding.concept,
    critical: row.critical === 1,
    priority: row.priority as Priority,
    probability: finding.probability,
    // Withdrawn is stored as superseded (by a finding, not an alert): see the alerts migration 2.
    state: row.withdrawn_at !== null ? 'withdrawn' : (row.state as AlertState),
    supersededBy: row.superseded_by,
    resultId: row.result_id,
    replaces: row.replaces,
    confirms: row.confirms === 1,
    withdrawnAt: row.withdrawn_at,
    withdrawal: row.withdrawal === null ? null : (JSON.parse(row.withdrawal) as Finding),
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    acknowledgementNote: row.acknowledgement_note,
    escalationLevel: row.escalation_level,
    escalateAt: row.escalate_at,
    findingStoredAt: row.finding_stored_at,
    createdAt: row.created_at,
    finding,
  };
}
