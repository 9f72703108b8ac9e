import type { Metrics } from '../../metrics/metrics.js';
import { PROTECTIONS, type Protection } from './protections.js';
import type { RetentionReason } from './retention-reasons.js';

/** What retention removed and what it had to keep, for /metrics. */
export function retentionMetrics(metrics: Metrics) {
  const studies = metrics.counter({
    name: 'vigil_retention_removed_studies_total',
    help: 'Studies retention removed, by limit (age or size)',
    labelNames: ['reason'] as const,
  });
  const bytes = metrics.counter({
    name: 'vigil_retention_removed_bytes_total',
    help: 'Bytes of stored files retention removed, by limit',
    labelNames: ['reason'] as const,
  });
  const kept = metrics.gauge({
    name: 'vigil_retention_protected_studies',
    help: 'Studies the last retention run would have removed but kept, by the first protection that held',
    labelNames: ['protection'] as const,
  });
  const lastRun = metrics.gauge({ name: 'vigil_retention_last_run_timestamp_seconds', help: 'When the last retention run ended (Unix seconds)' });
  return {
    removed(reason: RetentionReason, size: number): void {
      studies.inc({ reason });
      bytes.inc({ reason }, size);
    },
    ran(protectedCounts: Partial<Record<Protection, number>>, at: number): void {
      for (const p of PROTECTIONS) kept.set({ protection: p }, protectedCounts[p] ?? 0);
      lastRun.set(at / 1000);
    },
  };
}

export type RetentionMetrics = ReturnType<typeof retentionMetrics>;
