import type { DriftReport, PositiveRateReport } from '../../domain/model-reports.js';
import type { OperationalNotice } from './operational-outbox.js';

type NoticeInput = Omit<OperationalNotice, 'id' | 'createdAt'>;

const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;

/** A model's scores drifted from its validation baseline: figures for IT, no patient data. */
export function driftNotice(r: DriftReport): NoticeInput {
  return {
    kind: 'model-drift',
    modelId: r.modelId,
    day: r.day,
    summary:
      `Model ${r.modelId}: its scores of the ${r.windowDays} days to ${r.day} drifted from its validation baseline ` +
      `(population stability index ${r.psi.toFixed(3)} above ${r.threshold}, ${r.windowScores} scores; baseline: ${r.baselineSource}). ` +
      'Check the scanners and protocols sending to it, and its go-live view on the monitoring page.',
    data: { psi: r.psi, threshold: r.threshold, windowDays: r.windowDays, windowScores: r.windowScores, baselineSource: r.baselineSource },
  };
}

/** A day's positive rate far above the validated one: the flood of false alerts a new site risks. */
export function positiveRateNotice(r: PositiveRateReport): NoticeInput {
  const p = r.positiveRate;
  return {
    kind: 'positive-rate-high',
    modelId: r.modelId,
    day: r.day,
    summary:
      `Model ${r.modelId}: ${p.count} of ${p.total} findings positive on ${r.day} (${pct(p.value ?? 0)}, 95% CI ${pct(p.ci95![0])}-${pct(p.ci95![1])}), ` +
      `more than ${r.factor} times the validated ${pct(r.validatedRate)} at threshold ${r.threshold}. ` +
      'Consider shadow mode and a site operating point (vigil calibrate).',
    data: {
      positives: p.count,
      findings: p.total,
      positiveRate: p.value,
      ci95: p.ci95,
      validatedRate: r.validatedRate,
      threshold: r.threshold,
      factor: r.factor,
    },
  };
}
