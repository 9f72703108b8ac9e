import type { Db, DbStatement } from '../db/database.js';
import { jsonArrayElements } from '../db/dialect.js';
import type { MainTags } from '../domain/header-summary.js';
import { decidePriority, priorityOfRank, rank } from './effective-priority.js';
import { READING_STATUSES, type AiResult, type OrderSummary, type ReadingStatus, type RuleHint, type WorklistEntry } from './entry.js';
import type { Priority } from '../domain/priority.js';
import { AI_RESULT_COLUMNS, aiResultOf, type AiResultRow } from './ai-results.js';
import { keyImagePlace, keyInstances } from './key-image-place.js';

export interface WorklistFilter {
  status?: readonly ReadingStatus[];
  /** Effective priority. */
  priority?: readonly Priority[];
  modality?: string;
  claimedBy?: string;
  accession?: string;
  studyId?: string;
  /** Only studies received at or after this time (ms). */
  receivedAfter?: number;
  /** Only studies whose priority an AI result raised. */
  aiRaised?: boolean;
  limit: number;
  offset: number;
}

interface EntryRow {
  study_id: string;
  study_instance_uid: string;
  accession_number: string | null;
  study_tags: string;
  patient_tags: string;
  patient_key: string;
  modalities: string | null;
  received_at: number;
  status: ReadingStatus;
  claimed_by: string | null;
  claimed_at: number | null;
  read_by: string | null;
  read_at: number | null;
  order_id: string | null;
  order_priority: Priority | null;
  hl7_priority: string | null;
  procedure_code: string | null;
  procedure_text: string | null;
  order_control: string | null;
  order_state: 'active' | 'cancelled' | null;
  order_rank: number | null;
  rule_rank: number | null;
  ai_rank: number | null;
  effective_rank: number;
}

/**
 * Every study of the index with its reading state, its three ranks and its effective priority
 * (the greatest of the order's, the rule hint's and the AI's rank: AI only raises), kept by
 * triggers in the transactions that change them (ranking-migration.ts). Ranked so that filters
 * and paging see the same order as the page: effective priority, then the oldest first, then the
 * id; the index worklist_rank_order holds that order within one status.
 */
const RANKED = 'worklist_rank';

const ORDER = 'ORDER BY effective_rank DESC, received_at ASC, study_id ASC';

/**
 * The details of the studies of one page (ids bound as a JSON array). string_agg with its own
 * ORDER BY (SQLite 3.44+ and PostgreSQL alike), where GROUP_CONCAT is SQLite's alone.
 */
const details = (db: Pick<Db, 'dialect'>): string => `
  SELECT w.*, s.study_instance_uid, s.main_tags AS study_tags, p.main_tags AS patient_tags, p.patient_id AS patient_key,
    (SELECT string_agg(m.modality, ',' ORDER BY m.modality) FROM (SELECT DISTINCT se.modality FROM series se WHERE se.study_ref = s.id AND se.modality IS NOT NULL) m) AS modalities,
    r.claimed_at, r.read_by, r.read_at,
    o.id AS order_id, o.priority AS order_priority, o.hl7_priority, o.procedure_code, o.procedure_text, o.order_control, o.state AS order_state
  FROM ${RANKED} w
  JOIN studies s ON s.id = w.study_id
  JOIN patients p ON p.id = s.patient_ref
  LEFT JOIN worklist_reading r ON r.study_id = s.id
  LEFT JOIN worklist_orders o ON o.accession = s.accession_number
  WHERE w.study_id IN (${jsonArrayElements(db)})
  ${ORDER}`;

/** Reads the worklist: one SQL query for a page, one each for its findings and rule hints. */
export class WorklistQuery {
  /** Statements by their text: a page's few shapes are compiled once, not on every read. */
  private readonly statements = new Map<string, DbStatement>();

  constructor(private readonly db: Db) {}

  private sql<P extends unknown[], R>(text: string): DbStatement<P, R> {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement as unknown as DbStatement<P, R>;
  }

  list(filter: WorklistFilter): { total: number; entries: WorklistEntry[] } {
    const total = this.total(filter);
    const ids = this.pageIds(filter);
    if (ids.length === 0) return { total, entries: [] };
    const rows = this.sql<[string], EntryRow>(details(this.db)).all(JSON.stringify(ids));
    return { total, entries: this.entriesOf(rows) };
  }

  private pageIds(filter: WorklistFilter): string[] {
    const { sql, params } = pageQuery(filter);
    return this.sql<unknown[], { study_id: string }>(sql)
      .all(...params)
      .map((r) => r.study_id);
  }

  /** The number of studies the filter selects: from the maintained counts when it names only statuses and priorities. */
  private total(filter: WorklistFilter): number {
    const others = { ...filter, status: undefined, priority: undefined, limit: 0, offset: 0 };
    if (whereOf(others).where === '') {
      const { where, params } = whereOf({ status: filter.status, priority: filter.priority, limit: 0, offset: 0 });
      // CAST: PostgreSQL sums a BIGINT as NUMERIC, which its driver hands over as text.
      return this.sql<unknown[], { n: number | null }>(`SELECT CAST(SUM(n) AS BIGINT) AS n FROM worklist_rank_counts ${where}`).get(...params)!.n ?? 0;
    }
    const { where, params } = whereOf(filter);
    return this.sql<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM ${RANKED} w ${where}`).get(...params)!.n;
  }

  get(studyId: string): WorklistEntry | undefined {
    return this.list({ studyId, limit: 1, offset: 0 }).entries[0];
  }

  /** The effective priority of a study now (routine for a study the index does not hold). */
  effectivePriority(studyId: string): Priority {
    const row = this.sql<[string], { effective_rank: number }>(`SELECT effective_rank FROM ${RANKED} WHERE study_id = ?`).get(studyId);
    return priorityOfRank(row?.effective_rank ?? rank('routine'));
  }

  /** Studies whose accession is this one (an order names an accession, not a study). */
  studiesWithAccession(accession: string): string[] {
    return this.sql<[string], { id: string }>('SELECT id FROM studies WHERE accession_number = ?')
      .all(accession)
      .map((r) => r.id);
  }

  private entriesOf(rows: EntryRow[]): WorklistEntry[] {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.study_id);
    const marks = ids.map(() => '?').join(', ');
    const findings = groupBy(
      this.sql<string[], AiResultRow>(
        `SELECT ${AI_RESULT_COLUMNS} FROM worklist_findings WHERE study_id IN (${marks}) AND replaced_by IS NULL AND shadow = 0 ORDER BY created_at`,
      ).all(...ids),
      (f) => f.study_id,
    );
    const hints = groupBy(
      this.sql<string[], { study_id: string; series_id: string; rule_id: string; priority: Priority }>(
        `SELECT study_id, series_id, rule_id, priority FROM worklist_rule_hints WHERE study_id IN (${marks}) ORDER BY at`,
      ).all(...ids),
      (h) => h.study_id,
    );
    const keys = keyInstances(
      this.db,
      [...findings.values()].flat().flatMap((f) => (f.key_instance_id === null ? [] : [f.key_instance_id])),
    );
    return rows.map((row) => {
      const results = (findings.get(row.study_id) ?? []).map((f) => {
        const result = aiResultOf(f);
        return { ...result, keyImagePlace: keyImagePlace(result, keys.get(f.key_instance_id ?? '')) };
      });
      const ruleHints: RuleHint[] = (hints.get(row.study_id) ?? []).map((h) => ({ seriesId: h.series_id, ruleId: h.rule_id, priority: h.priority }));
      return entryOf(row, results, ruleHints);
    });
  }
}

function entryOf(row: EntryRow, findings: AiResult[], ruleHints: RuleHint[]): WorklistEntry {
  const study = JSON.parse(row.study_tags) as MainTags;
  const patient = JSON.parse(row.patient_tags) as MainTags;
  const priority = decidePriority({
    order: row.order_rank === null ? null : priorityOfRank(row.order_rank),
    rule: row.rule_rank === null ? null : priorityOfRank(row.rule_rank),
    ai: row.ai_rank === null ? null : priorityOfRank(row.ai_rank),
  });
  return {
    studyId: row.study_id,
    studyInstanceUid: row.study_instance_uid,
    accessionNumber: row.accession_number || null,
    patient: { name: patient.PatientName || null, id: patient.PatientID || row.patient_key || null },
    modalities: row.modalities ? row.modalities.split(',') : [],
    description: study.StudyDescription || study.RequestedProcedureDescription || row.procedure_text || null,
    receivedAt: row.received_at,
    reading: { status: row.status, claimedBy: row.claimed_by, claimedAt: row.claimed_at, readBy: row.read_by, readAt: row.read_at },
    order: orderOf(row),
    ruleHints,
    priority,
    findings,
    reason: priority.raisedByAi ? reasonOf(findings) : null,
  };
}

function orderOf(row: EntryRow): OrderSummary | null {
  if (row.order_id === null) return null;
  return {
    id: row.order_id,
    procedure: { code: row.procedure_code, text: row.procedure_text },
    priority: row.order_priority!,
    hl7Priority: row.hl7_priority!,
    control: row.order_control!,
    state: row.order_state!,
  };
}

/** The finding that says why: the most pressing AI priority, then the most probable. */
export function reasonOf(findings: readonly AiResult[]): AiResult | null {
  let best: AiResult | null = null;
  for (const f of findings) {
    if (f.aiPriority === null) continue;
    if (!best || rank(f.aiPriority) > rank(best.aiPriority!) || (rank(f.aiPriority) === rank(best.aiPriority!) && f.probability > best.probability)) best = f;
  }
  return best;
}

/**
 * The query of one page's ids. One range of worklist_rank_order per status (and per priority
 * when the filter names some), each read in order up to the page's end, then merged: a page costs
 * its offset and size, never the number of studies. One study by id reads its row alone.
 */
export function pageQuery(filter: WorklistFilter): { sql: string; params: unknown[] } {
  const end = filter.limit + filter.offset;
  if (filter.studyId !== undefined || end === 0) {
    const { where, params } = whereOf(filter);
    return { sql: `SELECT study_id FROM ${RANKED} w ${where} ${ORDER} LIMIT ? OFFSET ?`, params: [...params, filter.limit, filter.offset] };
  }
  const { where, params } = whereOf(filter, { ranges: false });
  const statuses = filter.status?.length ? [...new Set(filter.status)] : [...READING_STATUSES];
  const ranks: (number | null)[] = filter.priority?.length ? [...new Set(filter.priority.map(rank))] : [null];
  const arms: string[] = [];
  const armParams: unknown[] = [];
  for (const status of statuses) {
    for (const r of ranks) {
      const clauses = ['status = ?', ...(r === null ? [] : ['effective_rank = ?']), ...(where ? [where.slice('WHERE '.length)] : [])];
      arms.push(`SELECT * FROM (SELECT study_id, effective_rank, received_at FROM ${RANKED} w WHERE ${clauses.join(' AND ')} ${ORDER} LIMIT ?) arm`);
      armParams.push(status, ...(r === null ? [] : [r]), ...params, end);
    }
  }
  // Subqueries named: PostgreSQL 15 refuses a subquery in FROM without an alias.
  return { sql: `SELECT study_id FROM (${arms.join(' UNION ALL ')}) page ${ORDER} LIMIT ? OFFSET ?`, params: [...armParams, filter.limit, filter.offset] };
}

/** The filter's clauses; without `ranges`, those of status and priority are left to the caller (one range each). */
function whereOf(f: WorklistFilter, { ranges = true }: { ranges?: boolean } = {}): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const oneOf = (column: string, values: readonly unknown[]): void => {
    clauses.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  if (f.status?.length && ranges) oneOf('status', f.status);
  if (f.priority?.length && ranges) oneOf('effective_rank', f.priority.map(rank));
  if (f.modality !== undefined) {
    clauses.push('EXISTS (SELECT 1 FROM series se WHERE se.study_ref = w.study_id AND se.modality = ?)');
    params.push(f.modality);
  }
  if (f.claimedBy !== undefined) {
    clauses.push('claimed_by = ?');
    params.push(f.claimedBy);
  }
  if (f.accession !== undefined) {
    clauses.push('accession_number = ?');
    params.push(f.accession);
  }
  if (f.studyId !== undefined) {
    clauses.push('study_id = ?');
    params.push(f.studyId);
  }
  if (f.receivedAfter !== undefined) {
    clauses.push('received_at >= ?');
    params.push(f.receivedAfter);
  }
  if (f.aiRaised !== undefined) {
    // The greater of the order's and the rule's rank, as CASE: SQLite's scalar MAX is not PostgreSQL's.
    const base = 'CASE WHEN COALESCE(order_rank, 1) >= COALESCE(rule_rank, 1) THEN COALESCE(order_rank, 1) ELSE COALESCE(rule_rank, 1) END';
    clauses.push(f.aiRaised ? `COALESCE(ai_rank, 0) > ${base}` : `COALESCE(ai_rank, 0) <= ${base}`);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
