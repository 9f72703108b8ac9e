import type { ErrorCode } from '../core/errors.js';
import type { Db } from '../db/database.js';
import type { QueueJob, QueueJobState } from './job-queue.js';
import { IndexJobQueue } from './index-queue.js';

export const JOB_STATES = ['pending', 'done', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * One job as a worker (worker.ts) and its owner see it: pending (to run or retry), done, or dead.
 * The plugin SDK has its own copy (src/plugins/sdk-types.ts), checked against this one.
 */
export interface QueuedJob<P = unknown> {
  id: number;
  key: string;
  payload: P;
  state: JobState;
  /** Attempts finished (the one running, if any, not counted). */
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * The worker's policy decides when a job gives up (its maxAttempts, which the owner may set after
 * jobs were queued): the queue's own limit is set out of reach.
 */
const POLICY_DECIDES = 1_000_000_000;

export interface JobStoreOptions {
  /** What a failed attempt is coded as in the queue (its own text is the detail). */
  failureCode?: ErrorCode;
  /** The node's durable job queue (its metrics); one of its own on `db` when not given. */
  queue?: IndexJobQueue;
}

/** The queue's states as a worker's owner sees them: waiting or running is pending. */
const PLUGIN_STATE: Record<QueueJobState, JobState> = { queued: 'pending', running: 'pending', done: 'done', failed: 'dead', dead: 'dead', cancelled: 'dead' };
const QUEUE_STATES: Record<JobState, QueueJobState[]> = { pending: ['queued', 'running'], done: ['done'], dead: ['dead', 'failed', 'cancelled'] };

/**
 * One queue's jobs in the durable job queue, as one worker (worker.ts) runs them: every method is
 * scoped to the queue (a plugin's `plugin:<id>`, the rule forwards' `rule-forwards`).
 */
export class JobStore {
  /** This process's claims. */
  private readonly worker: string;
  private readonly queue: IndexJobQueue;
  private readonly failureCode: ErrorCode;
  /** The queue's id of each job handed out (claim, list). */
  private readonly ids = new WeakMap<QueuedJob, string>();

  constructor(
    db: Db,
    readonly queueName: string,
    opts: JobStoreOptions = {},
  ) {
    this.worker = `${queueName}:${process.pid}:${Math.random().toString(16).slice(2, 10)}`;
    this.queue = opts.queue ?? new IndexJobQueue(db);
    this.failureCode = opts.failureCode ?? 'QUEUE_JOB_FAILED';
  }

  /** false when a job with this key exists already (whatever its state). */
  add(key: string, payload: unknown, now: number): boolean {
    return this.queue.enqueue({ queue: this.queueName, key, payload, maxAttempts: POLICY_DECIDES }, now).created;
  }

  /** The next due job, held by this process for `leaseMs`. */
  claim(now: number, leaseMs: number): QueuedJob | undefined {
    const job = this.queue.claim({ queue: this.queueName, worker: this.worker, leaseMs, now });
    return job ? this.handOut(job) : undefined;
  }

  /** Jobs a previous process was running when it stopped: due again now (that attempt counted). */
  recover(now: number): number {
    return this.queue.expireLeases(this.queueName, { code: this.failureCode, detail: 'the node stopped while the job ran' }, { now, every: true });
  }

  /** When the next pending job is due (or a lease runs out). */
  nextAt(): number | undefined {
    return this.queue.nextWakeAt(this.queueName) ?? undefined;
  }

  markDone(job: QueuedJob, now: number): void {
    this.queue.complete(this.idOf(job), this.worker, undefined, now);
  }

  retryAt(job: QueuedJob, at: number, error: string, now: number): void {
    this.queue.fail(this.idOf(job), this.worker, { code: this.failureCode, detail: error }, { at }, now);
  }

  markDead(job: QueuedJob, error: string, now: number): void {
    this.queue.fail(this.idOf(job), this.worker, { code: this.failureCode, detail: error }, 'give-up', now);
  }

  /** A claimed job back to pending without spending its attempt (its outcome could not be recorded). */
  release(job: QueuedJob): boolean {
    return this.queue.release(this.idOf(job), this.worker);
  }

  /** An operator's (or a test's) end of a pending job: it is not run again. */
  cancel(job: QueuedJob, now: number): boolean {
    return this.queue.cancel(this.idOf(job), now);
  }

  list(state: JobState | undefined, limit: number): QueuedJob[] {
    return this.queue.list({ queue: this.queueName, ...(state && { state: QUEUE_STATES[state] }), limit }).map((job) => this.handOut(job));
  }

  pruneDone(before: number): void {
    this.queue.pruneDone(this.queueName, before);
  }

  private handOut(job: QueueJob): QueuedJob {
    const out = toJob(job);
    this.ids.set(out, job.id);
    return out;
  }

  private idOf(job: QueuedJob): string {
    const id = this.ids.get(job);
    if (!id) throw new Error('not a job this store handed out');
    return id;
  }
}

function toJob(job: QueueJob): QueuedJob {
  return {
    id: job.seq,
    key: job.key,
    payload: job.payload,
    state: PLUGIN_STATE[job.state],
    attempts: job.state === 'running' ? job.attempts - 1 : job.attempts,
    nextAt: job.availableAt,
    lastError: job.error?.detail ?? null,
    createdAt: job.createdAt,
    updatedAt: job.finishedAt ?? job.startedAt ?? job.createdAt,
  };
}
