import type { Db } from '../db/database.js';
import type { QueueJob, QueueJobState } from '../queue/job-queue.js';
import { SqliteJobQueue } from '../queue/sqlite-queue.js';

export const JOB_STATES = ['pending', 'done', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One job of a plugin's durable queue. */
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
 * A plugin's job lives in the one durable job queue (src/queue/) under the queue
 * `plugin:<plugin id>`; the core's own users of the plugin queue (`core:<name>`, the rule
 * forwards) under `<name>`. Plugin migration 2 names the jobs it carried over the same way.
 */
export function pluginQueueName(owner: string): string {
  return owner.startsWith('core:') ? owner.slice('core:'.length) : `plugin:${owner}`;
}

/**
 * The policy decides when a plugin job gives up (its maxAttempts, which the plugin may set after
 * jobs were queued): the queue's own limit is set out of reach.
 */
const POLICY_DECIDES = 1_000_000_000;

/** What a plugin's failed attempt is coded as in the queue; its own text is the detail. */
const FAILED = 'PLUGIN_HOOK_FAILED';

/** The queue's states as a plugin sees them: waiting or running is pending. */
const PLUGIN_STATE: Record<QueueJobState, JobState> = { queued: 'pending', running: 'pending', done: 'done', failed: 'dead', dead: 'dead', cancelled: 'dead' };
const QUEUE_STATES: Record<JobState, QueueJobState[]> = { pending: ['queued', 'running'], done: ['done'], dead: ['dead', 'failed', 'cancelled'] };

/** One plugin's jobs in the durable job queue; every method is scoped to its queue. */
export class JobStore {
  readonly queueName: string;
  /** This process's claims. */
  private readonly worker: string;
  private readonly queue: SqliteJobQueue;
  /** The queue's id of each job handed out (claim, list). */
  private readonly ids = new WeakMap<QueuedJob, string>();

  constructor(db: Db, owner: string, queue?: SqliteJobQueue) {
    this.queueName = pluginQueueName(owner);
    this.worker = `${this.queueName}:${process.pid}:${Math.random().toString(16).slice(2, 10)}`;
    this.queue = queue ?? new SqliteJobQueue(db);
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
    return this.queue.expireLeases(this.queueName, { code: 'PLUGIN_HOOK_FAILED', detail: 'the node stopped while the job ran' }, { now, every: true });
  }

  /** When the next pending job is due (or a lease runs out). */
  nextAt(): number | undefined {
    return this.queue.nextWakeAt(this.queueName) ?? undefined;
  }

  markDone(job: QueuedJob, now: number): void {
    this.queue.complete(this.idOf(job), this.worker, undefined, now);
  }

  retryAt(job: QueuedJob, at: number, error: string, now: number): void {
    this.queue.fail(this.idOf(job), this.worker, { code: FAILED, detail: error }, { at }, now);
  }

  markDead(job: QueuedJob, error: string, now: number): void {
    this.queue.fail(this.idOf(job), this.worker, { code: FAILED, detail: error }, 'give-up', now);
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
