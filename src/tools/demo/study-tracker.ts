import type { DemoStudy } from './demo-set.js';
import type { FhirSink } from './fhir-sink.js';
import type { Hl7Sink } from './hl7-sink.js';
import type { NodeApi } from './node-api.js';
import type { PacsSink } from './pacs-sink.js';

/** What the node has done with one study of the demo so far, read from its API and the sinks. */
export interface StudyState {
  study: DemoStudy;
  /** C-STORE responses: stored (success or a warning that still stores), and not. */
  sent: { stored: number; failed: number } | null;
  /** Instances of the series the index holds. */
  instances: number;
  stable: { reason: string } | null;
  routed: { models: string[]; rules: string[] } | null;
  job: { state: string; error: string | null } | null;
  finding: { id: string; probability: number; threshold: number; positive: boolean } | null;
  /** The alert of a positive finding, and its deliveries to the demo's destinations. */
  alert: { id: string; deliveries: { destination: string; state: string }[] } | null;
  /** Distinct messages the sinks took about this study: HL7 ORU^R01, FHIR transactions, DICOM objects. */
  sinks: { hl7: number; fhir: number; pacs: number };
  /** Set once the study went somewhere it should not (wrong model, failed job, wrong finding). */
  problem: string | null;
}

export type Outcome = 'pending' | 'done' | 'failed';

/** Where a study should end: routed to its model (or to none), the right finding, and for a positive, delivered alerts. */
export function outcomeOf(s: StudyState, destinations: readonly string[]): Outcome {
  if (s.problem) return 'failed';
  const { modelId, positive } = s.study.expected;
  if (modelId === null) return s.routed ? 'done' : 'pending';
  if (!s.finding) return 'pending';
  if (!positive) return 'done';
  const delivered = destinations.every((d) => s.alert?.deliveries.some((x) => x.destination === d && x.state === 'delivered'));
  return delivered && s.sinks.hl7 > 0 && s.sinks.fhir > 0 && s.sinks.pacs > 0 ? 'done' : 'pending';
}

interface SeriesResource {
  Instances?: string[];
  IsStable?: boolean;
  Stability?: { Reason?: string | null } | null;
}
interface Decision {
  jobs: { modelId: string; ruleId?: string | null }[];
}
interface JobView {
  modelId: string;
  state: string;
  error: { code: string; detail: string } | null;
  findingId: string | null;
}
interface FindingView {
  id: string;
  probability: number;
  threshold: number;
  positive: boolean;
}
interface AlertView {
  id: string;
  findingId: string;
  deliveries: { destination: string; state: string; lastErrorCode: string | null }[];
}

/**
 * Follows the demo's studies through the node by reading its state, stage by stage (series,
 * routing decision, job, finding, alert), so a second run or a node restarted in between
 * reads the same truth. Only the next stage of each study is asked for on each poll.
 */
export class StudyTracker {
  readonly states: StudyState[];

  constructor(
    private readonly api: NodeApi,
    studies: readonly DemoStudy[],
    private readonly sinks: { hl7: Hl7Sink; fhir: FhirSink; pacs: PacsSink },
    readonly destinations: readonly string[],
  ) {
    this.states = studies.map((study) => ({
      study,
      sent: null,
      instances: 0,
      stable: null,
      routed: null,
      job: null,
      finding: null,
      alert: null,
      sinks: { hl7: 0, fhir: 0, pacs: 0 },
      problem: null,
    }));
  }

  state(key: string): StudyState {
    const s = this.states.find((x) => x.study.key === key);
    if (!s) throw new Error(`no demo study ${key}`);
    return s;
  }

  /** Records what the scanner side was told for a study's instances. */
  sent(key: string, stored: number, failed: number): void {
    const s = this.state(key);
    s.sent = { stored, failed };
    if (failed > 0) s.problem = `${failed} of ${stored + failed} instance(s) not stored by the node`;
  }

  outcome(s: StudyState): Outcome {
    return outcomeOf(s, this.destinations);
  }

  allSettled(): boolean {
    return this.states.every((s) => s.sent !== null && this.outcome(s) !== 'pending');
  }

  async poll(): Promise<void> {
    for (const s of this.states) {
      if (s.sent === null || this.outcome(s) !== 'pending') continue;
      await this.advance(s);
    }
  }

  private async advance(s: StudyState): Promise<void> {
    const { study } = s;
    if (!s.stable) {
      const series = await this.getOrNull<SeriesResource>(`/series/${study.seriesId}`);
      s.instances = series?.Instances?.length ?? 0;
      if (!series?.IsStable) return;
      s.stable = { reason: series.Stability?.Reason ?? 'stable' };
    }
    if (!s.routed) {
      const [decision] = await this.api.get<Decision[]>(`/series/${study.seriesId}/routing?limit=1`);
      if (!decision) return;
      s.routed = { models: decision.jobs.map((j) => j.modelId), rules: decision.jobs.map((j) => j.ruleId ?? '').filter(Boolean) };
      const wanted = study.expected.modelId;
      const got = s.routed.models;
      if (wanted === null ? got.length > 0 : !got.includes(wanted)) {
        s.problem = `routed to ${got.length ? got.join(', ') : 'no model'}, expected ${wanted ?? 'no model'}`;
      }
    }
    if (study.expected.modelId === null || s.problem) return;
    if (!s.finding) {
      const { jobs } = await this.api.get<{ jobs: JobView[] }>(`/jobs?seriesId=${study.seriesId}&modelId=${encodeURIComponent(study.expected.modelId)}`);
      const job = jobs.find((j) => j.findingId) ?? jobs[0];
      if (!job) return;
      s.job = { state: job.state, error: job.error ? `${job.error.code}: ${job.error.detail}` : null };
      if (['failed', 'dead', 'cancelled'].includes(job.state)) {
        s.problem = `triage job ${job.state}${s.job.error ? ` (${s.job.error})` : ''}`;
        return;
      }
      if (!job.findingId) return;
      const f = await this.api.get<FindingView>(`/findings/${job.findingId}`);
      s.finding = { id: f.id, probability: f.probability, threshold: f.threshold, positive: f.positive };
      if (f.positive !== study.expected.positive) {
        s.problem = `finding ${f.positive ? 'positive' : 'negative'} (${f.probability.toFixed(3)} vs threshold ${f.threshold.toFixed(3)}), expected ${study.expected.positive ? 'positive' : 'negative'}`;
        return;
      }
    }
    if (!s.finding.positive) return;
    const alerts = await this.api.get<AlertView[]>(`/alerts?studyId=${study.studyId}`);
    const alert = alerts.find((a) => a.findingId === s.finding!.id);
    if (alert) {
      const ours = alert.deliveries.filter((d) => this.destinations.includes(d.destination));
      s.alert = { id: alert.id, deliveries: ours.map((d) => ({ destination: d.destination, state: d.state })) };
      const dead = ours.find((d) => d.state === 'dead' || d.state === 'cancelled');
      if (dead) s.problem = `alert to ${dead.destination} ${dead.state}${dead.lastErrorCode ? ` (${dead.lastErrorCode})` : ''}`;
    }
    const uid = study.studyInstanceUid;
    s.sinks = {
      hl7: this.sinks.hl7.distinct().filter((m) => m.studyInstanceUid === uid && m.type === 'ORU^R01').length,
      fhir: this.sinks.fhir.received.filter((r) => r.studyInstanceUid === uid).length,
      pacs: this.sinks.pacs.objectsOf(uid).length,
    };
  }

  private async getOrNull<T>(path: string): Promise<T | null> {
    try {
      return await this.api.get<T>(path);
    } catch (err) {
      if ((err as { extra?: { status?: number } }).extra?.status === 404) return null;
      throw err;
    }
  }
}
