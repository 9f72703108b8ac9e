import type { Db } from '../db/database.js';
import type { ForwardJob, ModelJob, RoutingDecision, RuleResult } from './route.js';

/**
 * What routing decided for each series version, with every rule's explanation, so that the API
 * and the UI can show why a series went (or did not go) to a model. Explanations never quote
 * patient values (the service evaluates without showPatientData).
 */
export interface StoredDecision {
  id: number;
  seriesId: string;
  seriesVersion: number;
  ruleVersion: number | null;
  decidedAt: string;
  jobs: ModelJob[];
  forwards: ForwardJob[];
  stoppedBy: string | null;
  results: RuleResult[];
}

interface Row {
  id: number;
  series_id: string;
  series_version: number;
  rule_version: number | null;
  decided_at: number;
  jobs: string;
  forwards: string;
  stopped_by: string | null;
  results: string;
}

export class DecisionStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      // RETURNING, not better-sqlite3's lastInsertRowid: the same SQL gives the key on PostgreSQL.
      insert: db.prepare<[Record<string, unknown>], { id: number }>(
        `INSERT INTO routing_decisions (series_id, series_version, rule_version, decided_at, jobs, forwards, stopped_by, results)
         VALUES (@seriesId, @seriesVersion, @ruleVersion, @at, @jobs, @forwards, @stoppedBy, @results) RETURNING id`,
      ),
      forSeries: db.prepare<[string, number], Row>('SELECT * FROM routing_decisions WHERE series_id = ? ORDER BY id DESC LIMIT ?'),
    };
  }

  record(input: { seriesId: string; seriesVersion: number; ruleVersion: number | null; decision: RoutingDecision; at?: number }): number {
    const { decision } = input;
    const row = this.stmts.insert.get({
      seriesId: input.seriesId,
      seriesVersion: input.seriesVersion,
      ruleVersion: input.ruleVersion,
      at: input.at ?? Date.now(),
      jobs: JSON.stringify(decision.jobs),
      forwards: JSON.stringify(decision.forwards),
      stoppedBy: decision.stoppedBy,
      results: JSON.stringify(decision.results),
    });
    return row!.id;
  }

  /** Newest first. */
  forSeries(seriesId: string, limit = 20): StoredDecision[] {
    return this.stmts.forSeries.all(seriesId, limit).map((row) => ({
      id: row.id,
      seriesId: row.series_id,
      seriesVersion: row.series_version,
      ruleVersion: row.rule_version,
      decidedAt: new Date(row.decided_at).toISOString(),
      jobs: JSON.parse(row.jobs) as ModelJob[],
      forwards: JSON.parse(row.forwards) as ForwardJob[],
      stoppedBy: row.stopped_by,
      results: JSON.parse(row.results) as RuleResult[],
    }));
  }
}
