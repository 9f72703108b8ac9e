import { computeMetrics, type AurocOptions, type Metrics } from './metrics.js';
import { rocCurve, type RocPoint } from '../../core/statistics/roc.js';
import type { ScoredStudy } from './scores.js';

export interface EvaluationOptions {
  threshold: number;
  /** Where the threshold came from, for the report ("manifest stroke-ich, operating point x"). */
  thresholdSource: string;
  /** Subgroup columns to break results down by (default: every one in the data). */
  subgroupColumns?: string[];
  auroc: AurocOptions;
  prevalence: number | null;
}

export interface EvaluationReport {
  threshold: number;
  thresholdSource: string;
  intervals: string;
  overall: Metrics;
  roc: RocPoint[];
  subgroups: Record<string, { value: string; metrics: Metrics }[]>;
}

export function evaluateScores(studies: readonly ScoredStudy[], opts: EvaluationOptions): EvaluationReport {
  const columns = opts.subgroupColumns ?? [...new Set(studies.flatMap((s) => Object.keys(s.subgroups)))];
  const subgroups: EvaluationReport['subgroups'] = {};
  for (const column of columns) {
    const values = [...new Set(studies.map((s) => s.subgroups[column] ?? ''))].sort(naturalOrder);
    subgroups[column] = values.map((value) => ({
      value,
      metrics: computeMetrics(
        studies.filter((s) => (s.subgroups[column] ?? '') === value),
        opts.threshold,
        opts.auroc,
        opts.prevalence,
      ),
    }));
  }
  const pos = studies.filter((s) => s.label === 1).map((s) => s.score);
  const neg = studies.filter((s) => s.label === 0).map((s) => s.score);
  return {
    threshold: opts.threshold,
    thresholdSource: opts.thresholdSource,
    intervals:
      opts.auroc.method === 'delong'
        ? '95% CI: Wilson score for proportions; DeLong (1988) for AUROC, AUC ± 1.96 SE clipped to [0, 1]'
        : `95% CI: Wilson score for proportions; stratified percentile bootstrap for AUROC (${opts.auroc.resamples} resamples, seed ${opts.auroc.seed})`,
    overall: computeMetrics(studies, opts.threshold, opts.auroc, opts.prevalence),
    roc: rocCurve(pos, neg),
    subgroups,
  };
}

/** "2.5" before "10", "small" before "medium" only by text: numbers compare as numbers. */
function naturalOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b);
}
