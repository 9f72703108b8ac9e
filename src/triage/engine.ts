import crypto from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { isVigilError, VigilError, type ErrorCode } from '../core/errors.js';
import type { TriageConfig } from '../config/sections/triage.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex, InstanceRow } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import { morePressing, type Priority } from '../domain/priority.js';
import { countsVerdict } from '../series/counts.js';
import type { Finding } from '../domain/finding.js';
import type { FindingStore } from './findings.js';
import type { Localisation } from './localisation.js';
import { TRIAGE_LEASE_RENEW_MS, type Job, type JobStore } from './jobs.js';
import { DEFAULT_URGENCY } from './manifest.js';
import type { ModelRegistry } from './registry.js';
import type { TriageObserver } from './metrics.js';
import type { JobResult, PackRef } from './worker/protocol.js';
import type { WorkerPool } from './worker/pool.js';
import { describeError } from '../log/describe-error.js';
import { backoffDelay, INDEX_RETRY, type BackoffPolicy } from '../core/backoff.js';

/** What the routing part (or an API caller) asks for. */
export interface EnqueueRequest {
  seriesId: string;
  /** The series version from 'series-stable' (a late instance makes a new version); 1 by default. */
  seriesVersion?: number;
  modelId: string;
  /** Queue order and the least priority the finding asks for; routine by default. */
  priority?: Priority;
  ruleId?: string | null;
  /** An early run on the part of the series version that has arrived (see early-runs.ts). */
  early?: boolean;
}

/**
 * Whether a series version is still arriving (not yet declared stable): an early run's result
 * is kept only then. Once the version is complete its final job says what the model finds.
 */
export type StillArriving = (seriesId: string, seriesVersion: number) => boolean;

/** The longest a failed job waits for its next attempt. */
const RETRY_MAX_MS = 3_600_000;

/** Causes that may pass: the job runs again later, until its attempts are used up. */
const PASSING: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TRIAGE_TIMEOUT',
  'TRIAGE_WORKER_CRASHED',
  'TRIAGE_MEMORY_LIMIT',
  'INTERNAL',
  'STORE_FILE_MISSING',
]);

/**
 * The triage loop: claims queued jobs from the index (the most urgent model first, then STAT)
 * while workers are free, runs
 * each in the worker pool under its model's bounds, and turns the result into a stored finding.
 * A failing job becomes a coded error on that job; the loop goes on.
 */
export class TriageEngine {
  private running = false;
  private ready = false;
  /** Off from the first moment of a stop: jobs still queued then wait for the next start. */
  private claiming = true;
  private readonly inFlight = new Set<Promise<void>>();
  /** The ids of the jobs in flight, whose leases are renewed while they run. */
  private readonly runningIds = new Set<string>();
  private cancelRenewal: (() => void) | undefined;
  /** Cancels the pending wake-up (for a job waiting out its retry delay), if any. */
  private cancelWake: (() => void) | undefined;
  /** Writes to the index that failed in a row (a full disk): each retry waits longer. */
  private indexFailures = 0;

  constructor(
    private readonly config: TriageConfig,
    /** `clock` times jobs, retry delays and wake-ups: the same clock as `jobs`, so their times agree. */
    private readonly deps: { index: DicomIndex; files: FileStore; log: Logger; stillArriving: StillArriving; clock: Clock },
    readonly registry: ModelRegistry,
    readonly jobs: JobStore,
    readonly findings: FindingStore,
    private readonly pool: WorkerPool,
    private readonly observer?: TriageObserver,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.claiming = true;
    const recovered = this.jobs.recoverAfterCrash();
    if (recovered > 0) this.deps.log.warn('triage jobs left running by a crash are queued again', { jobs: recovered });
    await this.registry.load();
    this.ready = true;
    this.pump();
  }

  /**
   * On a node without the `triage` role: the packs listed from their manifests (no worker
   * starts), so routing, early runs and the API can queue jobs that a triage-role node runs.
   */
  async listModels(): Promise<void> {
    await this.registry.load({ check: false });
  }

  /** Claims now: another process of the cluster queued a job (src/db/commit-watch.ts). Nothing before `start`. */
  wake(): void {
    this.pump();
  }

  /**
   * The node is stopping: claim no more jobs (running ones finish while the other parts stop,
   * and those still running when `stop` comes are parked for the next start).
   */
  stopClaiming(): void {
    this.claiming = false;
    this.cancelWake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelWake?.();
    this.cancelRenewal?.();
    this.cancelRenewal = undefined;
    await this.pool.stop();
    await Promise.allSettled([...this.inFlight]);
    const interrupted = this.jobs.requeueInterrupted();
    if (interrupted > 0) this.deps.log.info('triage jobs interrupted by the stop will run at the next start', { jobs: interrupted });
  }

  /**
   * Queues a series for a model. Idempotent per series version and model: asking again returns
   * the existing job (`created: false`). Unknown series or model: NOT_FOUND; a disabled or
   * unavailable model: TRIAGE_MODEL_UNAVAILABLE.
   */
  enqueue(request: EnqueueRequest): { job: Job; created: boolean } {
    if (!this.deps.index.getResource('series', request.seriesId)) throw new VigilError('NOT_FOUND', 'no such series');
    const model = this.registry.get(request.modelId);
    if (!model) throw new VigilError('NOT_FOUND', `no model pack "${request.modelId}"`);
    if (model.status === 'unavailable' || !model.enabled) this.registry.packFor(request.modelId);
    const result = this.jobs.enqueue({
      seriesId: request.seriesId,
      seriesVersion: request.seriesVersion ?? 1,
      modelId: request.modelId,
      early: request.early ?? false,
      priority: request.priority ?? 'routine',
      urgency: model.manifest?.finding.urgency ?? DEFAULT_URGENCY,
      ruleId: request.ruleId ?? null,
      maxAttempts: this.config.maxAttempts,
    });
    if (result.created)
      this.deps.log.info('triage job queued', {
        jobId: result.job.id,
        seriesId: request.seriesId,
        modelId: request.modelId,
        priority: result.job.priority,
        early: result.job.early,
      });
    this.pump();
    return result;
  }

  retry(id: string): Job {
    if (!this.jobs.get(id)) throw new VigilError('NOT_FOUND', 'no such job');
    if (!this.jobs.retry(id)) throw new VigilError('CONFLICT', 'only a failed, dead or cancelled job can be retried');
    this.pump();
    return this.jobs.get(id)!;
  }

  /** A running job's result is discarded when it arrives. */
  cancel(id: string): Job {
    if (!this.jobs.get(id)) throw new VigilError('NOT_FOUND', 'no such job');
    if (!this.jobs.cancel(id)) throw new VigilError('CONFLICT', 'only a queued or running job can be cancelled');
    return this.jobs.get(id)!;
  }

  private pump(): void {
    if (!this.running || !this.ready || !this.claiming) return;
    try {
      while (this.inFlight.size < this.pool.size) {
        const job = this.jobs.claim();
        if (!job) break;
        this.runningIds.add(job.id);
        this.scheduleRenewal();
        const work = this.execute(job)
          .then(
            () => void (this.indexFailures = 0),
            (err: unknown) => this.outcomeNotRecorded(job, err),
          )
          .finally(() => {
            this.inFlight.delete(work);
            this.runningIds.delete(job.id);
            this.pump();
          });
        this.inFlight.add(work);
      }
      this.scheduleWake();
    } catch (err) {
      // Claiming writes to the index: on a full disk it fails, and pump runs from timers and
      // promise callbacks, where a throw would be an unhandled rejection that ends the process.
      const retryInMs = this.nextIndexRetry();
      this.deps.log.error('triage could not claim a job from the index: trying again later', { error: (err as Error).message, retryInMs });
      this.cancelWake?.();
      this.cancelWake = this.deps.clock.setTimer(() => this.pump(), retryInMs);
    }
  }

  /**
   * A job ran but neither its finding nor its failure could be written (a full disk). It is
   * still 'running' in the index; after a back-off it is put back in the queue (without losing
   * an attempt) and runs again. Until then a stop parks it, and a crash requeues it at start.
   */
  private outcomeNotRecorded(job: Job, err: unknown): void {
    const retryInMs = this.nextIndexRetry();
    this.deps.log.error('triage could not record a job outcome in the index: the job runs again later', {
      jobId: job.id,
      error: err instanceof Error ? err.message : String(err),
      retryInMs,
    });
    const requeue = (): void => {
      if (!this.running) return;
      try {
        this.jobs.requeueOne(job.id);
        this.pump();
      } catch {
        this.deps.clock.setTimer(requeue, this.nextIndexRetry());
      }
    };
    this.deps.clock.setTimer(requeue, retryInMs);
  }

  /** 1 s, doubling with each failure in a row, up to 60 s. */
  private nextIndexRetry(): number {
    this.indexFailures++;
    return backoffDelay(this.indexFailures, INDEX_RETRY);
  }

  /**
   * While jobs run, their leases are renewed every TRIAGE_LEASE_RENEW_MS. A renewal the index
   * refuses (a full disk, the server unreachable) is tried again at the next tick; a job no longer
   * ours (cancelled, or taken over after this node stalled past its lease) runs on, and its result
   * is discarded when it comes (the finding commits only with this worker's lease).
   */
  private scheduleRenewal(): void {
    if (this.cancelRenewal) return;
    this.cancelRenewal = this.deps.clock.setTimer(() => {
      this.cancelRenewal = undefined;
      if (this.runningIds.size === 0 || !this.running) return;
      for (const id of this.runningIds) {
        try {
          if (!this.jobs.renewLease(id)) this.deps.log.warn('triage job no longer held by this node: its result will be discarded', { jobId: id });
        } catch (err) {
          this.deps.log.warn('triage job lease not renewed: trying again shortly', { jobId: id, error: describeError(err) });
        }
      }
      this.scheduleRenewal();
    }, TRIAGE_LEASE_RENEW_MS);
  }

  /** Jobs waiting for a retry delay: wake up when the first may run. */
  private scheduleWake(): void {
    this.cancelWake?.();
    const at = this.jobs.nextAvailableAt();
    if (at === null || this.inFlight.size >= this.pool.size) return;
    this.cancelWake = this.deps.clock.setTimer(() => this.pump(), Math.max(0, at - this.deps.clock.now()) + 5);
  }

  private async execute(job: Job): Promise<void> {
    const log = this.deps.log;
    try {
      if (job.early && this.earlyRunOutdated(job)) return;
      const pack = this.registry.packFor(job.modelId);
      const instances = this.deps.index.instancesUnder('series', job.seriesId);
      if (instances.length === 0) throw new VigilError('NOT_FOUND', 'the series is no longer in the index');
      const files = instances.map((i) => this.deps.files.absolutePath(i.filePath));
      const result = await this.pool.run({ kind: 'run-job', pack, files, keyImageMaxSide: this.config.keyImageMaxSide }, pack.manifest.resources.timeoutMs);
      if (!this.running) return;
      const finding = this.findingOf(job, pack, result, instances);
      const { decodeMs, preprocessMs, inferenceMs } = finding.timings;
      const timings = { decodeMs, preprocessMs, inferenceMs, keyImageMs: round(result.timings.keyImageMs) };
      // An early result is kept only while its series version is still arriving (checked in the
      // finding's transaction): once complete, the final job speaks, and a late preliminary
      // positive must not raise what the final result may already have said is negative.
      let outdated = false;
      const localisation = result.localisation && { localisation: withInstanceIds(result.localisation, instances), map: result.map };
      const stored = this.findings.record(
        finding,
        result.keyImagePng,
        () => {
          if (job.early && !this.deps.stillArriving(job.seriesId, job.seriesVersion)) {
            outdated = this.jobs.cancel(job.id);
            return false;
          }
          return this.jobs.markDone(job.id, finding.id, timings);
        },
        localisation,
      );
      if (outdated) {
        log.info('early triage run finished after its series was complete; result discarded', { jobId: job.id, seriesId: job.seriesId });
        return;
      }
      if (!stored) {
        log.info('triage job was cancelled while it ran; result discarded', { jobId: job.id });
        return;
      }
      this.observer?.findingStored(finding);
      if (finding.incompleteSeries) {
        const { images, announced } = finding.incompleteSeries;
        log.warn('finding made on an incomplete series', {
          findingId: finding.id,
          seriesId: job.seriesId,
          modelId: job.modelId,
          images,
          imagesAnnounced: announced,
        });
      }
    } catch (err) {
      if (!this.running) return;
      const error = isVigilError(err) ? err : new VigilError('INTERNAL', describeError(err));
      const retry = PASSING.has(error.code) ? this.retryPolicy() : null;
      const state = this.jobs.markFailed(job, { code: error.code, detail: error.message }, retry);
      this.observer?.jobFailed(error.code);
      log.warn('triage job failed', {
        jobId: job.id,
        seriesId: job.seriesId,
        modelId: job.modelId,
        code: error.code,
        reason: error.message,
        state,
        attempt: job.attempts,
      });
    }
  }

  /** A passing failure runs again after triage.retryDelayMs, doubled with each attempt, at most an hour (the queue's one formula). */
  private retryPolicy(): BackoffPolicy {
    return { initialMs: this.config.retryDelayMs, factor: 2, maxMs: Math.max(this.config.retryDelayMs, RETRY_MAX_MS) };
  }

  /** An early job whose series version completed before it could run: cancelled, the final job speaks. */
  private earlyRunOutdated(job: Job): boolean {
    if (this.deps.stillArriving(job.seriesId, job.seriesVersion)) return false;
    if (this.jobs.cancel(job.id)) this.deps.log.info('early triage run skipped: its series is already complete', { jobId: job.id, seriesId: job.seriesId });
    return true;
  }

  private findingOf(job: Job, pack: PackRef, result: JobResult, instances: InstanceRow[]): Finding {
    const { manifest } = pack;
    const series = this.deps.index.getResource('series', job.seriesId);
    const study = series?.parentId ? this.deps.index.getResource('studies', series.parentId) : undefined;
    if (!series || !study) throw new VigilError('NOT_FOUND', 'the series is no longer in the index');
    // IT's decisions for this pack version, read now: a change applies to the next finding.
    const point = this.registry.site.decidingPoint(manifest);
    const shadow = this.registry.site.modeOf(manifest.id, manifest.version).mode === 'shadow';
    const positive = result.probability >= point.threshold;
    const createdAt = this.deps.clock.now();
    // What the model saw against what the series' count tags announce (see src/series/counts.ts).
    const counts = countsVerdict(instances.map((i) => i.mainTags));
    return {
      id: crypto.randomUUID(),
      jobId: job.id,
      modelId: manifest.id,
      modelVersion: manifest.version,
      deviceUid: manifest.deviceUid,
      studyId: study.id,
      seriesId: series.id,
      studyInstanceUid: String(study.mainTags.StudyInstanceUID ?? ''),
      seriesInstanceUid: String(series.mainTags.SeriesInstanceUID ?? ''),
      accessionNumber: study.mainTags.AccessionNumber ? String(study.mainTags.AccessionNumber) : null,
      concept: manifest.finding.concept,
      ...(manifest.finding.site && { findingSite: manifest.finding.site }),
      probability: result.probability,
      threshold: point.threshold,
      operatingPoint: { name: point.name, sensitivity: point.sensitivity, specificity: point.specificity, source: point.source, version: point.version },
      mode: shadow ? 'shadow' : 'live',
      ...(job.early && { preliminary: true }),
      positive,
      // A shadow result asks for nothing: no critical alert, no raise (the outbox and the worklist also check the mode).
      critical: !shadow && positive && manifest.finding.critical,
      priority: positive && !shadow ? morePressing(job.priority, manifest.finding.priorityIfPositive) : job.priority,
      keyInstanceId: result.keyFile === null ? null : (instances[result.keyFile]?.id ?? null),
      keySliceIndex: result.keySourceIndex,
      keyFrameNumber: result.keyFrame === null ? null : result.keyFrame + 1,
      hasKeyImage: result.keyImagePng !== null,
      ...(!counts.complete && counts.why === 'waiting' && { incompleteSeries: { images: counts.images, announced: counts.expected } }),
      ruleId: job.ruleId,
      createdAt,
      timings: {
        queueMs: Math.max(0, (job.startedAt ?? createdAt) - job.createdAt),
        decodeMs: round(result.timings.readMs + result.timings.decodeMs),
        preprocessMs: round(result.timings.preprocessMs),
        inferenceMs: round(result.timings.inferenceMs),
      },
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The worker names source images by the job's file index; the index names them by instance id. */
function withInstanceIds(localisation: Localisation, instances: InstanceRow[]): Localisation {
  return {
    ...localisation,
    images: localisation.images.flatMap((image) => (instances[image.file] ? [{ ...image, instanceId: instances[image.file]!.id }] : [])),
  };
}
