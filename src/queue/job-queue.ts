import type { BackoffPolicy } from '../core/backoff.js';

/**
 * The node's one durable job queue, as an interface. The node's own is index-queue.ts, in the
 * index whichever engine holds it (SQLite, or PostgreSQL through the index's connection: claims
 * `FOR UPDATE SKIP LOCKED`), joining the caller's transaction: every call is synchronous, so an
 * enqueue commits with the caller's own write or not at all. Nothing here names a database type.
 * Every backend passes test/queue/contract.ts.
 *
 * A job is enqueued once per (queue, key); a worker claims it with a lease, then completes it or
 * fails it. A failure either retries after the one back-off formula (src/core/backoff.ts), or,
 * its attempts used up, is a dead letter; a permanent failure (bad input) is failed at once.
 * A lease that runs out (the worker died or hung) puts the job back for another worker.
 *
 * queued → running → done | failed | dead, and back to queued on a retry; cancelled by an operator.
 */
export const QUEUE_JOB_STATES = ['queued', 'running', 'done', 'failed', 'dead', 'cancelled'] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** A coded error as the queue keeps it: `code` from the node's error catalog, `detail` our own words (never patient data). */
export interface QueueError {
  code: string;
  detail: string;
}

export interface QueueJob<P = unknown, R = unknown> {
  id: string;
  /** The order of enqueueing across the store (a number users may show, as plugins' job ids). */
  seq: number;
  queue: string;
  /** The idempotency key: one job per queue and key, whatever its state. */
  key: string;
  payload: P;
  /** Higher runs first; then the earliest available, then the order of enqueueing. */
  priority: number;
  /** Jobs of one group run one at a time in enqueue order (claim with `group`). */
  group: string | null;
  state: QueueJobState;
  /** Claims so far (the running one included). */
  attempts: number;
  maxAttempts: number;
  /** Not claimed before this time (a retry's delay). */
  availableAt: number;
  /** Who holds the running job, and until when. */
  leaseOwner: string | null;
  leaseUntil: number | null;
  error: QueueError | null;
  /** What the worker recorded on completion. */
  result: R | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface EnqueueInput<P> {
  queue: string;
  key: string;
  payload: P;
  priority?: number;
  group?: string | null;
  maxAttempts: number;
  /** Later than now: a job that waits before its first run. */
  availableAt?: number;
}

export interface ClaimRequest {
  queue: string;
  /** The claiming worker (a process, a destination sender...): only it may complete or fail the job. */
  worker: string;
  /** The lease: past now + leaseMs another worker may take the job over. */
  leaseMs: number;
  /** Only the head of this group (its oldest job not yet finished), and only when it is due. */
  group?: string;
  now?: number;
}

/**
 * How a failure retries: a back-off policy (the delay follows from the attempts so far), an
 * explicit time, 'give-up' (the caller's own limit is reached: a dead letter now), or null for
 * a permanent failure (bad input: 'failed', never retried). A retry past the job's maxAttempts
 * is a dead letter too.
 */
export type RetryRule = BackoffPolicy | { at: number } | 'give-up' | null;

export interface ListQuery {
  queue: string;
  /** One state, or any of several. */
  state?: QueueJobState | readonly QueueJobState[];
  /** Jobs whose payload has these top-level fields with these values. */
  where?: Record<string, string | number | boolean>;
  limit: number;
  offset?: number;
}

/** The figures /metrics shows of one queue. */
export interface QueueStats {
  /** Queued jobs (due or waiting for a retry). */
  depth: number;
  inFlight: number;
  deadLetters: number;
  /** How long the oldest queued job has waited since it was enqueued; 0 when none. */
  oldestAgeMs: number;
}

export interface JobQueue {
  /** Idempotent per queue and key: a second call returns the first job with `created: false`. */
  enqueue<P>(input: EnqueueInput<P>, now?: number): { job: QueueJob<P>; created: boolean };
  get<P = unknown, R = unknown>(id: string): QueueJob<P, R> | undefined;
  getByKey<P = unknown, R = unknown>(queue: string, key: string): QueueJob<P, R> | undefined;
  /**
   * The next due job, now running under the worker's lease (attempts + 1). Leases of the queue
   * that ran out are taken back first: the job is queued again, or dead when out of attempts.
   */
  claim<P = unknown, R = unknown>(request: ClaimRequest): QueueJob<P, R> | undefined;
  /** Keeps a long job's lease (false when the worker no longer holds it). */
  extendLease(id: string, worker: string, leaseMs: number, now?: number): boolean;
  /** False when the job is no longer this worker's running job (cancelled, or taken over). */
  complete<R>(id: string, worker: string, result?: R, now?: number): boolean;
  /** The job's new state; undefined when it is no longer this worker's running job. */
  fail(id: string, worker: string, error: QueueError, retry: RetryRule, now?: number): QueueJobState | undefined;
  /** A running job back to the queue without spending its attempt (its outcome could not be recorded, or the worker stops). */
  release(id: string, worker?: string): boolean;
  /** Every running job of the worker back to the queue, attempts given back (a clean stop). */
  releaseAll(queue: string, worker: string): number;
  /**
   * Ends leases: those past their time, or with `every` all of the queue's (one node starting
   * after a crash knows no other worker holds any). A backend shared by several nodes ignores
   * `every`: the others' leases are live, and a dead node's run out soon enough. Queued again,
   * or dead when out of attempts.
   */
  expireLeases(queue: string, error: QueueError, opts?: { now?: number; every?: boolean }): number;
  /** Queued or running → cancelled (a running job's outcome is then refused). */
  cancel(id: string, now?: number): boolean;
  /**
   * Failed, dead or cancelled → queued again (an operator's retry), in its old place among the
   * queue's jobs; its attempts reset unless `keepAttempts` (a user that counts attempts as history).
   */
  retry(id: string, now?: number, opts?: { keepAttempts?: boolean }): boolean;
  /** When the next queued job becomes due, or the next lease runs out: a worker's wake-up. */
  nextWakeAt(queue: string): number | null;
  /** Newest first. */
  list<P = unknown, R = unknown>(query: ListQuery): QueueJob<P, R>[];
  counts(queue: string): Record<QueueJobState, number>;
  stats(queue: string, now?: number): QueueStats;
  /** The queues that hold jobs (for /metrics). */
  queues(): string[];
  /** Removes finished jobs (done) older than `before`; their keys may then be enqueued again. */
  pruneDone(queue: string, before: number): number;
}

/** What a backend reports as jobs move (the metrics' counters). */
export interface QueueObserver {
  retried(queue: string): void;
  deadLettered(queue: string): void;
  leaseExpired(queue: string, jobs: number): void;
}
