import { LATENCY_BUCKETS, type Metrics } from '../metrics/metrics.js';
import type { Finding } from '../domain/finding.js';
import { JOB_STATES, type JobStore } from './jobs.js';
import type { ModelRegistry } from './registry.js';

/** What the triage engine reports as it goes (metrics here; tests may watch too). */
export interface TriageObserver {
  findingStored(finding: Finding): void;
  jobFailed(code: string): void;
}

/** Triage figures in the node's registry: jobs by state, stage times, failures by code, packs. */
export function triageMetrics(metrics: Metrics, live: { jobs: JobStore; registry: ModelRegistry }): TriageObserver {
  metrics.gauge({
    name: 'vigil_triage_jobs',
    help: 'Triage jobs in the index, by state',
    labelNames: ['state'] as const,
    collect() {
      const counts = live.jobs.counts();
      for (const state of JOB_STATES) this.set({ state }, counts[state]);
    },
  });
  metrics.gauge({
    name: 'vigil_triage_models',
    help: 'Model packs, by status (available, unavailable, checking) and switch',
    labelNames: ['status', 'enabled'] as const,
    collect() {
      this.reset();
      for (const m of live.registry.list()) this.inc({ status: m.status, enabled: String(m.enabled) });
    },
  });
  const stages = metrics.histogram({
    name: 'vigil_triage_stage_seconds',
    help: 'Time of each stage of a triage job that gave a finding (queue, decode, preprocess, inference)',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS,
  });
  const findings = metrics.counter({ name: 'vigil_triage_findings_total', help: 'Findings stored, by result', labelNames: ['positive'] as const });
  const failures = metrics.counter({
    name: 'vigil_triage_job_failures_total',
    help: 'Triage job attempts that failed, by error code',
    labelNames: ['code'] as const,
  });
  return {
    findingStored(finding) {
      findings.inc({ positive: String(finding.positive) });
      const t = finding.timings;
      stages.observe({ stage: 'queue' }, t.queueMs / 1000);
      stages.observe({ stage: 'decode' }, t.decodeMs / 1000);
      stages.observe({ stage: 'preprocess' }, t.preprocessMs / 1000);
      stages.observe({ stage: 'inference' }, t.inferenceMs / 1000);
    },
    jobFailed(code) {
      failures.inc({ code });
    },
  };
}
