/**
 * A pack's operating points, chosen on its validation scores so that no threshold sits inside
 * the bulk of the scores of studies without the finding.
 *
 * Why: a threshold at "specificity 0.90 on validation" lies, by construction, where one normal
 * study in ten still scores above it; when the normals' scores are packed tightly (stroke-ich's
 * ranged 0.030-0.045 before calibration), a scanner the model never saw moves a third of the
 * normals over the line (issue 22: 11 false critical alerts in 30 normal head CTs).
 *
 * The rule, on the log-odds scale (logit of the score), so that Platt scaling (an affine map of
 * the log-odds) moves every threshold with the scores and changes no decision:
 *
 * - floor = median + 2 × (99th percentile − median) of the normals: the threshold is above the
 *   normals' 99th percentile by at least as much again as that percentile is above their median.
 *   No operating point is below it.
 * - `balanced` (the default): halfway between the normals' 99th percentile and the positives'
 *   10th percentile, the same distance from the bulk of either class, never below the floor.
 * - `high-sensitivity`: the floor itself, the most sensitive threshold the rule allows; offered
 *   only when it is below `balanced` (else the two would be one point under two names).
 *
 * Each point carries the sensitivity and specificity it reaches on the validation scores.
 */
import type { OperatingPoint } from '../../src/triage/manifest.js';

/** How far above the normals' 99th percentile the floor is, in units of its distance from their median. */
export const FLOOR_SPREADS = 1;
/** Log-odds of scores of exactly 0 or 1 (a float32 sigmoid saturates): finite, beyond any real score. */
const LOGIT_LIMIT = 16;

export interface ChosenOperatingPoints {
  points: OperatingPoint[];
  defaultOperatingPoint: 'balanced';
  /** The figures behind the choice, for the card. */
  basis: { normals: number; positives: number; normalsMedian: number; normals99: number; positives10: number; floor: number };
}

export function logit(p: number): number {
  const l = Math.log(p / (1 - p));
  return Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, l));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The q-quantile by linear interpolation between order statistics (type 7, as numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * positives: validation scores of studies with the finding (for a pack made for some types, only
 * those); negatives: of studies without it. Scores are probabilities in [0, 1].
 */
export function chooseOperatingPoints(positives: readonly number[], negatives: readonly number[]): ChosenOperatingPoints {
  if (positives.length < 10 || negatives.length < 10) {
    throw new Error(
      `operating points need at least 10 validation studies of each class (got ${positives.length} with the finding, ${negatives.length} without)`,
    );
  }
  const neg = negatives.map(logit);
  const pos = positives.map(logit);
  const median = quantile(neg, 0.5);
  const n99 = quantile(neg, 0.99);
  const p10 = quantile(pos, 0.1);
  const floor = n99 + FLOOR_SPREADS * (n99 - median);
  const balanced = Math.max(floor, (n99 + p10) / 2);
  const point = (name: string, threshold: number): OperatingPoint => {
    const t = significant(sigmoid(threshold));
    return {
      name,
      threshold: t,
      sensitivity: round4(positives.filter((s) => s >= t).length / positives.length),
      specificity: round4(negatives.filter((s) => s < t).length / negatives.length),
    };
  };
  const points = [point('balanced', balanced)];
  const low = point('high-sensitivity', floor);
  if (low.threshold < points[0]!.threshold) points.push(low);
  return {
    points,
    defaultOperatingPoint: 'balanced',
    basis: {
      normals: negatives.length,
      positives: positives.length,
      normalsMedian: sigmoid(median),
      normals99: sigmoid(n99),
      positives10: sigmoid(p10),
      floor: sigmoid(floor),
    },
  };
}

/**
 * What a manifest's operating points must satisfy, in words, for a check of shipped packs: a
 * `high-sensitivity` point never has a higher threshold than `balanced`, nor a lower sensitivity.
 * Returns the problems (empty: none).
 */
export function operatingPointProblems(points: readonly OperatingPoint[]): string[] {
  const problems: string[] = [];
  const byName = new Map(points.map((p) => [p.name, p]));
  const high = byName.get('high-sensitivity');
  const balanced = byName.get('balanced');
  if (high && balanced) {
    if (high.threshold > balanced.threshold) problems.push(`high-sensitivity threshold ${high.threshold} is above balanced ${balanced.threshold}`);
    if (high.sensitivity < balanced.sensitivity) problems.push(`high-sensitivity sensitivity ${high.sensitivity} is below balanced ${balanced.sensitivity}`);
  }
  return problems;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Six significant digits: a threshold of 2e-7 must not round to 0 (everything positive). */
function significant(x: number): number {
  return Number(x.toPrecision(6));
}
