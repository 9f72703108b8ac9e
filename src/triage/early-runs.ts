import type { EventBus } from '../events/bus.js';
import { isVigilError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { Priority } from '../domain/priority.js';
import type { EnqueueRequest } from './engine.js';
import { coverageOf, covers, type PartialRequirement } from './partial-coverage.js';

/** A model job routing would ask for on the series as it stands. */
export interface EarlyCandidate {
  modelId: string;
  priority: Priority;
  ruleId: string | null;
}

export interface EarlyRunsDeps {
  bus: EventBus;
  index: Pick<DicomIndex, 'instancesUnder'>;
  /** The series' state: open (still arriving) with `version` versions declared stable so far. */
  stateOf: (seriesId: string) => { state: 'open' | 'stable'; version: number } | undefined;
  /** Whether a (re)opened version is triaged at all (series.rerunTriageOnReopen for versions after the first). */
  triagesVersion: (version: number) => boolean;
  /** The model jobs the rules in force ask for on the series as it stands; undefined when it cannot be read. */
  candidates: (seriesId: string) => Promise<EarlyCandidate[] | undefined>;
  /** The pack's `partial` requirement; undefined when the model waits for the complete series. */
  partialOf: (modelId: string) => PartialRequirement | undefined;
  /** True when some pack declares `partial` (otherwise arrivals cost nothing here). */
  anyPartial: () => boolean;
  enqueue: (request: EnqueueRequest) => void;
  log: Logger;
}

/**
 * Early runs: while a series version is still arriving, once it covers what a pack's `partial`
 * asks, the node queues ONE early job of that model for that version. Its positive critical
 * result alerts at once, marked preliminary; the final job at completion confirms, corrects or
 * withdraws it (src/alerts/outbox.ts). Work is done after the arrival's event, never inside the
 * DIMSE exchange: arrivals only mark their series, and one drain per turn of the event loop
 * reads coverage from the index (no file opened) and asks routing once per version.
 */
export class EarlyRuns {
  private unsubscribe: (() => void)[] = [];
  /** Series with arrivals since the last drain. */
  private readonly pending = new Set<string>();
  /** `seriesId:version` → what routing asks for that version (asked once). */
  private readonly candidates = new Map<string, Promise<EarlyCandidate[] | undefined>>();
  /** `seriesId:version:modelId` queued early, and `seriesId:version` with nothing more to queue. */
  private readonly queued = new Set<string>();
  private readonly settled = new Set<string>();
  private draining: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: EarlyRunsDeps) {}

  start(): void {
    this.unsubscribe = [
      this.deps.bus.on('instance-stored', (event) => {
        if (!this.deps.anyPartial()) return;
        this.pending.add(event.seriesId);
        this.schedule();
      }),
      // The version is complete: its final job speaks; forget what was kept for it.
      this.deps.bus.on('series-stable', (event) => this.forget(event.seriesId)),
    ];
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.pending.clear();
    await this.draining;
  }

  /** Resolves once every arrival so far has been looked at (tests and the bench wait on it). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private schedule(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .catch((err: unknown) => void this.deps.log.error('early triage runs failed', { error: describeError(err) }))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  private async drain(): Promise<void> {
    const seriesIds = [...this.pending];
    this.pending.clear();
    for (const seriesId of seriesIds) await this.consider(seriesId);
  }

  private async consider(seriesId: string): Promise<void> {
    const state = this.deps.stateOf(seriesId);
    if (!state || state.state !== 'open') return;
    const version = state.version + 1;
    const key = `${seriesId}:${version}`;
    if (this.settled.has(key) || !this.deps.triagesVersion(version)) return;
    const coverage = coverageOf(this.deps.index.instancesUnder('series', seriesId).map((i) => i.mainTags));
    if (coverage.slices < 2) return;
    let asked = this.candidates.get(key);
    if (!asked) {
      asked = this.deps.candidates(seriesId);
      this.candidates.set(key, asked);
    }
    const jobs = (await asked) ?? [];
    const early = jobs.filter((j) => this.deps.partialOf(j.modelId) !== undefined);
    if (early.length === 0) {
      this.settled.add(key);
      return;
    }
    // The series may have completed while routing was asked: the final job speaks then.
    if (this.deps.stateOf(seriesId)?.state !== 'open') return;
    for (const job of early) {
      const jobKey = `${key}:${job.modelId}`;
      const need = this.deps.partialOf(job.modelId);
      if (this.queued.has(jobKey) || !need || !covers(coverage, need)) continue;
      this.queued.add(jobKey);
      try {
        this.deps.enqueue({ seriesId, seriesVersion: version, modelId: job.modelId, priority: job.priority, ruleId: job.ruleId, early: true });
        this.deps.log.info('early triage run queued on a series still arriving', {
          seriesId,
          seriesVersion: version,
          modelId: job.modelId,
          slices: coverage.slices,
          zExtentMm: Math.round(coverage.zExtentMm),
        });
      } catch (err) {
        if (!isVigilError(err)) throw err;
        this.deps.log.warn('early triage run not queued', { seriesId, modelId: job.modelId, code: err.code, reason: err.message });
      }
    }
    if (early.every((j) => this.queued.has(`${key}:${j.modelId}`))) this.settled.add(key);
  }

  private forget(seriesId: string): void {
    const prefix = `${seriesId}:`;
    for (const set of [this.queued, this.settled]) for (const k of set) if (k.startsWith(prefix)) set.delete(k);
    for (const k of this.candidates.keys()) if (k.startsWith(prefix)) this.candidates.delete(k);
  }
}
