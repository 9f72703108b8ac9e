import { Rng } from '../random.js';
import { Z95 } from './proportion.js';

/** The area under the ROC curve with a 95 % interval, and how the interval was computed. */
export interface Auroc {
  value: number | null;
  ci95: [number, number] | null;
  method: 'delong' | 'bootstrap';
  positives: number;
  negatives: number;
}

/** Midranks (1-based; tied values share the mean of their ranks). */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * AUROC (the Mann-Whitney statistic: P(score of a positive > score of a negative), ties one
 * half) with DeLong, DeLong and Clarke-Pearson's (1988) variance, computed from midranks as in
 * Sun and Xu (2014); the interval is AUC ± 1.96 SE clipped to [0, 1], as pROC reports it.
 */
export function aurocDeLong(positives: readonly number[], negatives: readonly number[]): Auroc {
  const m = positives.length;
  const n = negatives.length;
  if (m === 0 || n === 0) return { value: null, ci95: null, method: 'delong', positives: m, negatives: n };
  const all = midranks([...positives, ...negatives]);
  const rp = midranks(positives);
  const rn = midranks(negatives);
  // V10: for each positive, the fraction of negatives it outscores; V01: for each negative, the
  // fraction of positives that outscore it.
  const v10 = positives.map((_, i) => (all[i]! - rp[i]!) / n);
  const v01 = negatives.map((_, j) => 1 - (all[m + j]! - rn[j]!) / m);
  const auc = v10.reduce((s, v) => s + v, 0) / m;
  const variance = (xs: number[]) => {
    if (xs.length < 2) return 0;
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    return xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1);
  };
  const se = Math.sqrt(variance(v10) / m + variance(v01) / n);
  return { value: auc, ci95: [Math.max(0, auc - Z95 * se), Math.min(1, auc + Z95 * se)], method: 'delong', positives: m, negatives: n };
}

/**
 * AUROC with a percentile bootstrap interval: `resamples` stratified resamples (positives and
 * negatives drawn separately, so every resample has both) from a generator seeded with `seed`.
 */
export function aurocBootstrap(positives: readonly number[], negatives: readonly number[], resamples = 2000, seed = 1): Auroc {
  const point = aurocDeLong(positives, negatives);
  if (point.value === null) return { ...point, method: 'bootstrap' };
  const rng = new Rng(`vigil-evaluate/bootstrap/${seed}`);
  const values: number[] = [];
  const draw = (xs: readonly number[]) => xs.map(() => xs[Math.floor(rng.next() * xs.length)]!);
  for (let r = 0; r < resamples; r++) values.push(aurocDeLong(draw(positives), draw(negatives)).value!);
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  return { value: point.value, ci95: [at(0.025), at(0.975)], method: 'bootstrap', positives: point.positives, negatives: point.negatives };
}
