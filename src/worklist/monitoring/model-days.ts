import type { Db } from '../../db/database.js';
import type { BaselineLookup } from './baseline.js';
import { histogram, populationStabilityIndex } from './drift.js';

export const DRIFT_STATES = ['ok', 'drift', 'insufficient', 'no-baseline'] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

export const DAY_MS = 86_400_000;

/** One model's figures for one UTC day. */
export interface ModelDay {
  modelId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** Findings made that day. */
  volume: number;
  positives: number;
  /** Positive findings of that day with a verdict: the latest verdict of each. */
  agree: number;
  disagree: number;
  /** Scores in the drift window ending that day (of the baseline's build, when it names one). */
  windowScores: number;
  /** Population stability index against the baseline; null when not judged. */
  psi: number | null;
  drift: DriftState;
  computedAt: number;
}

export interface DayRules {
  driftWindowDays: number;
  minScores: number;
  driftThreshold: number;
}

interface DayRow {
  model_id: string;
  day: string;
  volume: number;
  positives: number;
  agree: number;
  disagree: number;
  window_scores: number;
  psi: number | null;
  drift: DriftState;
  computed_at: number;
}

/** The nightly figures: computed from the worklist's findings and feedback, kept per day. */
export class ModelDays {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      models: db.prepare<[], { model_id: string }>('SELECT DISTINCT model_id FROM worklist_findings ORDER BY model_id'),
      counts: db.prepare<[string, number, number], { volume: number; positives: number | null }>(
        'SELECT COUNT(*) AS volume, SUM(positive) AS positives FROM worklist_findings WHERE model_id = ? AND preliminary = 0 AND created_at >= ? AND created_at < ?',
      ),
      // Each positive finding counts once, by its latest verdict: PPV is over findings, not votes.
      verdicts: db.prepare<[string, number, number], { agree: number | null; disagree: number | null }>(
        // CASE, not a comparison summed as 0/1, and the subquery named: the same SQL on PostgreSQL.
        `SELECT SUM(CASE WHEN v = 'agree' THEN 1 ELSE 0 END) AS agree, SUM(CASE WHEN v = 'disagree' THEN 1 ELSE 0 END) AS disagree FROM (
           SELECT (SELECT verdict FROM worklist_feedback b WHERE b.finding_id = f.finding_id ORDER BY at DESC LIMIT 1) AS v
           FROM worklist_findings f WHERE f.model_id = ? AND f.positive = 1 AND f.preliminary = 0 AND f.created_at >= ? AND f.created_at < ?
         ) latest WHERE v IS NOT NULL`,
      ),
      scores: db.prepare<[string, number, number], { probability: number; device_uid: string }>(
        'SELECT probability, device_uid FROM worklist_findings WHERE model_id = ? AND preliminary = 0 AND created_at >= ? AND created_at < ?',
      ),
      upsert: db.prepare(
        `INSERT INTO worklist_model_days (model_id, day, volume, positives, agree, disagree, window_scores, psi, drift, computed_at)
         VALUES (@modelId, @day, @volume, @positives, @agree, @disagree, @windowScores, @psi, @drift, @computedAt)
         ON CONFLICT (model_id, day) DO UPDATE SET volume = excluded.volume, positives = excluded.positives, agree = excluded.agree,
           disagree = excluded.disagree, window_scores = excluded.window_scores, psi = excluded.psi, drift = excluded.drift,
           computed_at = excluded.computed_at`,
      ),
      get: db.prepare<[string, string], DayRow>('SELECT * FROM worklist_model_days WHERE model_id = ? AND day = ?'),
      recent: db.prepare<[string], DayRow>('SELECT * FROM worklist_model_days WHERE day >= ? ORDER BY model_id, day DESC'),
    };
  }

  /** Every model that has made a finding on this node. */
  modelIds(): string[] {
    return this.stmts.models.all().map((r) => r.model_id);
  }

  compute(modelId: string, day: string, rules: DayRules, baseline: BaselineLookup, now: number): ModelDay {
    const start = dayStart(day);
    const end = start + DAY_MS;
    const counts = this.stmts.counts.get(modelId, start, end)!;
    const verdicts = this.verdicts(modelId, start, end);
    const windowStart = end - rules.driftWindowDays * DAY_MS;
    let scores = this.stmts.scores.all(modelId, windowStart, end);
    let psi: number | null = null;
    let drift: DriftState;
    if (baseline.kind !== 'found') {
      drift = 'no-baseline';
    } else {
      const { deviceUid, edges, counts: reference } = baseline.baseline;
      if (deviceUid) scores = scores.filter((s) => s.device_uid === deviceUid);
      if (scores.length < rules.minScores) {
        drift = 'insufficient';
      } else {
        psi = populationStabilityIndex(
          reference,
          histogram(
            scores.map((s) => s.probability),
            edges,
          ),
        );
        drift = psi > rules.driftThreshold ? 'drift' : 'ok';
      }
    }
    return {
      modelId,
      day,
      volume: counts.volume,
      positives: counts.positives ?? 0,
      ...verdicts,
      windowScores: scores.length,
      psi,
      drift,
      computedAt: now,
    };
  }

  /** Positive findings made in [from, to) by their latest verdict (the PPV's numerator and the rest). */
  verdicts(modelId: string, from: number, to: number): { agree: number; disagree: number } {
    const row = this.stmts.verdicts.get(modelId, from, to)!;
    return { agree: row.agree ?? 0, disagree: row.disagree ?? 0 };
  }

  save(d: ModelDay): void {
    this.stmts.upsert.run(d);
  }

  get(modelId: string, day: string): ModelDay | undefined {
    const row = this.stmts.get.get(modelId, day);
    return row ? dayOf(row) : undefined;
  }

  /** Stored days from `fromDay` on, by model, newest first. */
  since(fromDay: string): ModelDay[] {
    return this.stmts.recent.all(fromDay).map(dayOf);
  }
}

/** The UTC day (YYYY-MM-DD) a time falls in. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, n: number): string {
  return utcDay(dayStart(day) + n * DAY_MS);
}

function dayOf(r: DayRow): ModelDay {
  return {
    modelId: r.model_id,
    day: r.day,
    volume: r.volume,
    positives: r.positives,
    agree: r.agree,
    disagree: r.disagree,
    windowScores: r.window_scores,
    psi: r.psi,
    drift: r.drift,
    computedAt: r.computed_at,
  };
}
