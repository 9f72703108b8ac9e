import { type Proportion, wilson } from '../../core/statistics/proportion.js';
import type { Db } from '../../db/database.js';
import type { BaselineLookup } from './baseline.js';
import { histogram } from './drift.js';
import { DAY_MS, dayStart, utcDay } from './model-days.js';

/** Bins of the score histogram when the pack has no baseline to take its edges from. */
const DEFAULT_EDGES = Array.from({ length: 11 }, (_, i) => i / 10);

/**
 * What IT needs to decide whether a model may go (or stay) live here, over the last `windowDays`:
 * computed from the worklist's findings (shadow and live) and the radiologists' verdicts at the
 * time of the request (not nightly), no patient data.
 */
export interface GoLiveView {
  windowDays: number;
  volume: number;
  /** Of them, made in shadow. */
  shadow: number;
  positiveRate: Proportion;
  /**
   * The share of the validation split's scores (score-baseline.json) at or above the threshold
   * of the newest finding, interpolated within its bin; null without a baseline.
   */
  validatedPositiveRate: { value: number; threshold: number } | null;
  /** Findings with a verdict: radiologists agree with the model's result (majority; splits left out). */
  agreement: Proportion;
  /** Estimated from verdicts: agree on a positive is TP, disagree FP; on a negative TN and FN. */
  confusion: { tp: number; fp: number; tn: number; fn: number };
  sensitivity: Proportion;
  specificity: Proportion;
  ppv: Proportion;
  /** Scores of the window against the validation baseline, over the same bins (counts). */
  histogram: { edges: number[]; production: number[]; baseline: number[] | null };
  /** Per UTC day of the window, oldest first (days without findings included, at 0). */
  daily: { day: string; volume: number; positives: number }[];
}

interface FindingRow {
  probability: number;
  positive: number;
  threshold: number;
  shadow: number;
  created_at: number;
  agree: number;
  disagree: number;
}

export class GoLive {
  private readonly rows;

  constructor(db: Db) {
    this.rows = db.prepare<[string, number, number], FindingRow>(
      `SELECT f.probability, f.positive, f.threshold, f.shadow, f.created_at,
              (SELECT COUNT(*) FROM worklist_feedback b WHERE b.finding_id = f.finding_id AND b.verdict = 'agree') AS agree,
              (SELECT COUNT(*) FROM worklist_feedback b WHERE b.finding_id = f.finding_id AND b.verdict = 'disagree') AS disagree
         FROM worklist_findings f
        WHERE f.model_id = ? AND f.created_at >= ? AND f.created_at < ?
        ORDER BY f.created_at`,
    );
  }

  /** The threshold of the newest finding of a model in [from, to), or null when it made none. */
  thresholdOn(modelId: string, from: number, to: number): number | null {
    return this.rows.all(modelId, from, to).at(-1)?.threshold ?? null;
  }

  of(modelId: string, now: number, windowDays: number, baseline: BaselineLookup): GoLiveView {
    const end = dayStart(utcDay(now)) + DAY_MS;
    const start = end - windowDays * DAY_MS;
    const rows = this.rows.all(modelId, start, end);
    const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
    let judged = 0;
    let agreed = 0;
    for (const r of rows) {
      if (r.agree === r.disagree) continue;
      judged++;
      const right = r.agree > r.disagree;
      if (right) agreed++;
      if (r.positive === 1) right ? c.tp++ : c.fp++;
      else right ? c.tn++ : c.fn++;
    }
    const positives = rows.filter((r) => r.positive === 1).length;
    const found = baseline.kind === 'found' ? baseline.baseline : null;
    const edges = found ? found.edges : DEFAULT_EDGES;
    const newest = rows.at(-1);
    const daily = new Map<string, { day: string; volume: number; positives: number }>();
    for (let t = start; t < end; t += DAY_MS) daily.set(utcDay(t), { day: utcDay(t), volume: 0, positives: 0 });
    for (const r of rows) {
      const d = daily.get(utcDay(r.created_at))!;
      d.volume++;
      d.positives += r.positive;
    }
    return {
      windowDays,
      volume: rows.length,
      shadow: rows.filter((r) => r.shadow === 1).length,
      positiveRate: wilson(positives, rows.length),
      validatedPositiveRate: found && newest ? { value: shareAtOrAbove(found.edges, found.counts, newest.threshold), threshold: newest.threshold } : null,
      agreement: wilson(agreed, judged),
      confusion: c,
      sensitivity: wilson(c.tp, c.tp + c.fn),
      specificity: wilson(c.tn, c.tn + c.fp),
      ppv: wilson(c.tp, c.tp + c.fp),
      histogram: {
        edges: [...edges],
        production: histogram(
          rows.map((r) => r.probability),
          edges,
        ),
        baseline: found ? [...found.counts] : null,
      },
      daily: [...daily.values()],
    };
  }
}

/** Share of a binned distribution at or above `t`, counting a bin that holds t in proportion (uniform within it). */
export function shareAtOrAbove(edges: readonly number[], counts: readonly number[], t: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let above = 0;
  for (let i = 0; i < counts.length; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1]!;
    if (lo >= t) above += counts[i]!;
    else if (hi > t) above += (counts[i]! * (hi - t)) / (hi - lo);
  }
  return total === 0 ? 0 : above / total;
}
