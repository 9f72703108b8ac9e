import { type Auroc, aurocBootstrap, aurocDeLong } from '../../core/statistics/auroc.js';
import { type Proportion, wilson } from '../../core/statistics/proportion.js';
import type { ScoredStudy } from './scores.js';

export interface AurocOptions {
  method: 'delong' | 'bootstrap';
  /** Bootstrap only. */
  resamples: number;
  seed: number;
}

/** Everything `vigil evaluate` reports for one group of studies at one threshold. */
export interface Metrics {
  n: number;
  positives: number;
  negatives: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  sensitivity: Proportion;
  specificity: Proportion;
  ppv: Proportion;
  npv: Proportion;
  auroc: Auroc;
  /** PPV and NPV recomputed (Bayes) at an assumed prevalence instead of this set's own. */
  atPrevalence: { prevalence: number; ppv: number | null; npv: number | null } | null;
}

export function computeMetrics(studies: readonly ScoredStudy[], threshold: number, auroc: AurocOptions, prevalence: number | null): Metrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  for (const s of studies) {
    const called = s.score >= threshold;
    if (s.label === 1) {
      pos.push(s.score);
      if (called) tp++;
      else fn++;
    } else {
      neg.push(s.score);
      if (called) fp++;
      else tn++;
    }
  }
  const sensitivity = wilson(tp, tp + fn);
  const specificity = wilson(tn, tn + fp);
  return {
    n: studies.length,
    positives: pos.length,
    negatives: neg.length,
    confusion: { tp, fp, tn, fn },
    sensitivity,
    specificity,
    ppv: wilson(tp, tp + fp),
    npv: wilson(tn, tn + fn),
    auroc: auroc.method === 'delong' ? aurocDeLong(pos, neg) : aurocBootstrap(pos, neg, auroc.resamples, auroc.seed),
    atPrevalence: prevalence === null ? null : bayes(sensitivity.value, specificity.value, prevalence),
  };
}

function bayes(sens: number | null, spec: number | null, prev: number): { prevalence: number; ppv: number | null; npv: number | null } {
  if (sens === null || spec === null) return { prevalence: prev, ppv: null, npv: null };
  const tp = sens * prev;
  const fp = (1 - spec) * (1 - prev);
  const tn = spec * (1 - prev);
  const fn = (1 - sens) * prev;
  return { prevalence: prev, ppv: tp + fp > 0 ? tp / (tp + fp) : null, npv: tn + fn > 0 ? tn / (tn + fn) : null };
}
