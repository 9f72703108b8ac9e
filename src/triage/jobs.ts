import crypto from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { ErrorCode } from '../core/errors.js';
import type { BackoffPolicy } from '../core/backoff.js';
import { QUEUE_JOB_STATES, type QueueJob, type QueueJobState } from '../queue/job-queue.js';
import { IndexJobQueue } from '../queue/index-queue.js';
import { PRIORITY_RANK, type Priority } from '../domain/priority.js';

/**
 * queued → running → done; a passing failure goes back to queued (with a delay) until its
 * attempts run out (dead); bad input fails at once (failed). IT may cancel or retry.
 */
export const JOB_STATES = QUEUE_JOB_STATES;
export type JobState = QueueJobState;

/**
 * Where a done job's time went, in ms, as its worker measured it: reading and decoding the
 * files, preprocessing to the model's tensor, the ONNX Runtime call, rendering the key image.
 */
export interface JobStageTimings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  keyImageMs: number;
}

export interface Job {
  id: string;
  seriesId: string;
  seriesVersion: number;
  modelId: string;
  /**
   * An early run: the model on the part of the series version that has arrived (its pack's
   * `partial` coverage met); its finding is preliminary. The final job of the version runs at completion.
   */
  early: boolean;
  priority: Priority;
  /** The model's clinical urgency (its pack's finding.urgency) when the job was queued. */
  urgency: number;
  ruleId: string | null;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  error: { code: string; detail: string } | null;
  createdAt: number;
  availableAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  findingId: string | null;
  /** Set when the job is done. */
  timings: JobStageTimings | null;
}

export interface NewJob {
  seriesId: string;
  seriesVersion: number;
  modelId: string;
  /** False unless said: the final run at completion. */
  early?: boolean;
  priority: Priority;
  urgency: number;
  ruleId: string | null;
  maxAttempts: number;
}

/** The triage jobs' queue name in the durable job queue. */
export const TRIAGE_QUEUE = 'triage';

/**
 * How long a claimed job is held before another claim may take it over (its node is taken to be
 * dead). The engine renews the lease of every job it runs each TRIAGE_LEASE_RENEW_MS, so a job
 * still running is never run twice, however long its pack may run; and when the index is shared
 * by several nodes, the jobs of a node killed mid-run are taken over by another within a minute
 * (a time-critical finding must not wait for the node to come back).
 */
export const TRIAGE_LEASE_MS = 60_000;
export const TRIAGE_LEASE_RENEW_MS = 15_000;

/** What a triage job carries in the durable queue. */
interface TriagePayload {
  seriesId: string;
  seriesVersion: number;
  modelId: string;
  early: boolean;
  priority: Priority;
  urgency: number;
  ruleId: string | null;
}

/** What a done job recorded. */
interface TriageResult {
  findingId: string;
  timings: JobStageTimings | null;
}

/**
 * Idempotency: one job per series version, model and kind. The same text as the JSON array
 * triage migration 5 builds for the jobs it carried over (json_array(...)).
 */
export function triageJobKey(seriesId: string, seriesVersion: number, modelId: string, early: boolean): string {
  return JSON.stringify([seriesId, seriesVersion, modelId, early ? 'early' : 'final']);
}

/**
 * Queue order as one number: the most urgent model first (urgency 0-100), then STAT, urgent,
 * routine; within the same, the longest waiting (the queue's own tie-break). Migration 5 computes it the same way.
 */
function queuePriority(urgency: number, priority: Priority): number {
  return urgency * 10 + PRIORITY_RANK[priority];
}

/**
 * The triage jobs, in the node's one durable job queue (src/queue/, queue 'triage'). Every
 * method is one short synchronous statement or transaction; markDone joins the finding's transaction.
 */
export class JobStore {
  /** This process's claims: only it may record their outcome. */
  readonly worker = `triage:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
  private readonly queue: IndexJobQueue;

  constructor(
    db: Db,
    queue?: IndexJobQueue,
    /** Times every default `now` below (the node passes its own, tests a ManualClock). */
    private readonly clock: Clock = systemClock,
  ) {
    this.queue = queue ?? new IndexJobQueue(db);
  }

  /** Idempotent per series version, model and kind (early or final): a second call returns the first job. */
  enqueue(input: NewJob, now = this.clock.now()): { job: Job; created: boolean } {
    const early = input.early ?? false;
    const payload: TriagePayload = {
      seriesId: input.seriesId,
      seriesVersion: input.seriesVersion,
      modelId: input.modelId,
      early,
      priority: input.priority,
      urgency: input.urgency,
      ruleId: input.ruleId,
    };
    const { job, created } = this.queue.enqueue(
      {
        queue: TRIAGE_QUEUE,
        key: triageJobKey(input.seriesId, input.seriesVersion, input.modelId, early),
        payload,
        priority: queuePriority(input.urgency, input.priority),
        maxAttempts: input.maxAttempts,
      },
      now,
    );
    return { job: toJob(job as QueueJob<TriagePayload, TriageResult>), created };
  }

  get(id: string): Job | undefined {
    const job = this.queue.get<TriagePayload, TriageResult>(id);
    return job && job.queue === TRIAGE_QUEUE ? toJob(job) : undefined;
  }

  /** The next queued job (the most urgent model first, then STAT, then the longest waiting), now running. */
  claim(now = this.clock.now()): Job | undefined {
    const job = this.queue.claim<TriagePayload, TriageResult>({ queue: TRIAGE_QUEUE, worker: this.worker, leaseMs: TRIAGE_LEASE_MS, now });
    return job ? toJob(job) : undefined;
  }

  /** When the earliest queued job (delayed for a retry) may run, or a lease runs out. */
  nextAvailableAt(): number | null {
    return this.queue.nextWakeAt(TRIAGE_QUEUE);
  }

  /** Within the finding's transaction. False when the job is no longer running (cancelled). */
  markDone(id: string, findingId: string, timings: JobStageTimings, now = this.clock.now()): boolean {
    return this.queue.complete<TriageResult>(id, this.worker, { findingId, timings }, now);
  }

  /**
   * A failure: a retry rule (a back-off policy, or an explicit time) means a passing cause,
   * queued again unless attempts are used up (then dead); null means the input is bad, failed for good.
   */
  markFailed(job: Job, error: { code: ErrorCode; detail: string }, retry: BackoffPolicy | number | null, now = this.clock.now()): JobState {
    const rule = typeof retry === 'number' ? { at: retry } : retry;
    return this.queue.fail(job.id, this.worker, { code: error.code, detail: error.detail }, rule, now) ?? this.get(job.id)?.state ?? job.state;
  }

  /** Holds a running job for another lease period; false when it is no longer this worker's (cancelled, or taken over). */
  renewLease(id: string, now = this.clock.now()): boolean {
    return this.queue.extendLease(id, this.worker, TRIAGE_LEASE_MS, now);
  }

  /** At start-up: jobs left running by a crash run again (their attempt counted), or are dead. */
  recoverAfterCrash(now = this.clock.now()): number {
    return this.queue.expireLeases(TRIAGE_QUEUE, { code: 'TRIAGE_WORKER_CRASHED', detail: 'the node stopped while the job ran' }, { now, every: true });
  }

  /** One running job back to the queue, without losing an attempt (its outcome could not be recorded). */
  requeueOne(id: string): boolean {
    return this.queue.release(id, this.worker);
  }

  /** At a clean stop: jobs interrupted by the stop run again, without losing an attempt. */
  requeueInterrupted(): number {
    return this.queue.releaseAll(TRIAGE_QUEUE, this.worker);
  }

  cancel(id: string, now = this.clock.now()): boolean {
    return this.get(id) !== undefined && this.queue.cancel(id, now);
  }

  retry(id: string, now = this.clock.now()): boolean {
    return this.get(id) !== undefined && this.queue.retry(id, now);
  }

  /** Newest first. */
  list(filter: { state?: JobState; seriesId?: string; modelId?: string; limit: number; offset: number }): Job[] {
    const where: Record<string, string> = {};
    if (filter.seriesId) where.seriesId = filter.seriesId;
    if (filter.modelId) where.modelId = filter.modelId;
    return this.queue
      .list<TriagePayload, TriageResult>({
        queue: TRIAGE_QUEUE,
        ...(filter.state && { state: filter.state }),
        where,
        limit: filter.limit,
        offset: filter.offset,
      })
      .map(toJob);
  }

  counts(): Record<JobState, number> {
    return this.queue.counts(TRIAGE_QUEUE);
  }
}

function toJob(job: QueueJob<TriagePayload, TriageResult>): Job {
  const p = job.payload;
  return {
    id: job.id,
    seriesId: p.seriesId,
    seriesVersion: p.seriesVersion,
    modelId: p.modelId,
    early: p.early,
    priority: p.priority,
    urgency: p.urgency,
    ruleId: p.ruleId,
    state: job.state,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: job.error,
    createdAt: job.createdAt,
    availableAt: job.availableAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    findingId: job.result?.findingId ?? null,
    timings: job.result?.timings ?? null,
  };
}
