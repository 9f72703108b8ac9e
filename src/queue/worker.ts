import type { Clock } from '../core/clock.js';
import { backoffDelay } from '../core/backoff.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import { runWithDeadline } from './deadline.js';
import type { JobState, JobStore, QueuedJob } from './job-store.js';

/**
 * Retries of a worker's failed jobs: exponential back-off from initialDelayMs up to maxDelayMs.
 * The plugin SDK has its own copy (src/plugins/sdk.ts), checked against this one.
 */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts the job is dead (kept, visible, no longer retried). */
  maxAttempts: number;
  /** A job running longer is a failed attempt; its signal is aborted. */
  timeoutMs: number;
}

/** What a handler gets besides its job (the SDK's HookCall). */
export interface JobCall {
  /** Aborted when the job's time is up or the node is stopping: stop work and return. */
  signal: AbortSignal;
}

export const DEFAULT_RETRY: RetryPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 50,
  timeoutMs: 10 * 60_000,
};

/** A claimed job is held this long past its time limit before a new claim may take it over. */
const LEASE_MARGIN_MS = 60_000;

/** Done jobs are kept this long (their keys keep enqueueing idempotent), then pruned. */
const KEEP_DONE_MS = 7 * 24 * 3600_000;

/** Delay before attempt n + 1 after n failures: initial, doubled each time, capped (the node's one formula). */
export function retryDelay(failures: number, policy: RetryPolicy): number {
  return backoffDelay(failures, { initialMs: policy.initialDelayMs, factor: 2, maxMs: policy.maxDelayMs });
}

type Handler = (job: QueuedJob, call: JobCall) => Promise<void>;

/**
 * A worker of one queue of the durable job queue (its JobStore): one job at a time, due jobs
 * first, a deadline on each attempt, a single timer for the next retry on its RetryPolicy. State
 * lives in the index, so pending jobs resume after a restart (a job that was running when the
 * process stopped runs again: handlers must tolerate a repeat). A plugin's ctx.queue
 * (src/plugins/queue.ts) and the rule forwards (src/rules/forwarder.ts) are its users.
 */
export class QueueWorker {
  private handler: Handler | undefined;
  private policy: RetryPolicy = DEFAULT_RETRY;
  private running: Promise<void> | undefined;
  private cancelTimer: (() => void) | undefined;
  private readonly closing = new AbortController();
  /** Outcomes the index could not record in a row (a full disk); no job is taken before pausedUntil. */
  private unrecorded = 0;
  private pausedUntil = 0;
  /** A job whose outcome the index refused: still held by this queue until given back. */
  private unreleased: QueuedJob | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Counts a failed attempt (the host's metrics). */
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  enqueue(key: string, payload: unknown): boolean {
    const added = this.store.add(key, payload, this.clock.now());
    if (added) this.kick();
    return added;
  }

  work<P>(handler: (job: QueuedJob<P>, call: JobCall) => Promise<void>, policy: Partial<RetryPolicy> = {}): void {
    if (this.handler) throw new Error('work() was already called for this queue');
    this.handler = handler as Handler;
    this.policy = { ...DEFAULT_RETRY, ...policy };
    this.store.pruneDone(this.clock.now() - KEEP_DONE_MS);
    // A job the previous process was running when it stopped runs again (that attempt counted).
    this.store.recover(this.clock.now());
    this.kick();
  }

  jobs(opts: { state?: JobState; limit?: number } = {}): QueuedJob[] {
    return this.store.list(opts.state, Math.min(opts.limit ?? 100, 1000));
  }

  /** Stops taking jobs and waits for the one in hand (its signal is aborted). */
  async stop(): Promise<void> {
    this.closing.abort(new Error('node stopping'));
    this.cancelTimer?.();
    await this.running;
  }

  /**
   * Looks for a job now: another process of the cluster enqueued one (src/db/commit-watch.ts).
   * Nothing happens before `work` was called, so a node whose roles do not claim these jobs never does.
   */
  wake(): void {
    this.kick();
  }

  /** Resolves once no job is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (!this.handler || this.running || this.closing.signal.aborted) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.pausedUntil > this.clock.now()) {
      this.cancelTimer = this.clock.setTimer(() => this.kick(), this.pausedUntil - this.clock.now());
      return;
    }
    let job: QueuedJob | undefined;
    try {
      // The job whose outcome the index refused is still held by us: give it back first.
      if (this.unreleased) {
        this.store.release(this.unreleased);
        this.unreleased = undefined;
      }
      // Claiming writes to the index too (the lease): on a full disk it fails like an outcome.
      job = this.store.claim(this.clock.now(), this.policy.timeoutMs + LEASE_MARGIN_MS);
    } catch (err) {
      this.pause(err, this.unreleased);
      this.cancelTimer = this.clock.setTimer(() => this.kick(), this.pausedUntil - this.clock.now());
      return;
    }
    if (!job) {
      const next = this.store.nextAt();
      if (next !== undefined) this.cancelTimer = this.clock.setTimer(() => this.kick(), next - this.clock.now());
      return;
    }
    this.running = this.attempt(job)
      .then(
        () => void (this.unrecorded = 0),
        (err: unknown) => this.outcomeNotRecorded(job, err),
      )
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
  }

  /**
   * The index refused to record how the job went (a full disk: SQLITE_FULL). The job is still
   * pending there, held by this queue: taken again at once it would run again and again (a
   * forward sent over and over), each time failing the same way. So the queue pauses, on the
   * job's own back-off schedule, then gives the job back and runs it again (handlers tolerate a repeat).
   */
  private outcomeNotRecorded(job: QueuedJob, err: unknown): void {
    this.unreleased = job;
    this.pause(err, job);
  }

  private pause(err: unknown, job: QueuedJob | undefined): void {
    this.unrecorded++;
    const retryInMs = retryDelay(this.unrecorded, this.policy);
    this.pausedUntil = this.clock.now() + retryInMs;
    this.log.error('queue could not record a job outcome in the index: pausing', {
      queue: this.store.queueName,
      ...(job && { jobId: job.id }),
      error: errorText(err),
      retryInMs,
    });
  }

  private async attempt(job: QueuedJob): Promise<void> {
    const handler = this.handler!;
    const outcome = await runWithDeadline((signal) => handler(job, { signal }), this.policy.timeoutMs, this.closing.signal);
    const now = this.clock.now();
    if (outcome.kind === 'ok') {
      this.store.markDone(job, now);
      return;
    }
    const error = outcome.kind === 'timeout' ? 'time limit reached' : errorText(outcome.error);
    this.onFailure(outcome.kind === 'timeout' ? new Error(error) : outcome.error);
    const failures = job.attempts + 1;
    if (failures >= this.policy.maxAttempts) {
      this.store.markDead(job, error, now);
      this.log.error('queued job gave up', { queue: this.store.queueName, jobId: job.id, attempts: failures, error: logged(outcome) });
      return;
    }
    const delay = retryDelay(failures, this.policy);
    this.store.retryAt(job, now + delay, error, now);
    this.log.warn('queued job failed, will retry', {
      queue: this.store.queueName,
      jobId: job.id,
      attempts: failures,
      retryInMs: delay,
      error: logged(outcome),
    });
  }
}

/**
 * A failed attempt's error (a plugin's, a peer's) as stored and shown to its owner in the API
 * (behind a token, as the worklist's patient names are). The log gets only `describeError`: the
 * text may name a patient.
 */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 500);
}

function logged(outcome: { kind: string; error?: unknown }): string {
  return outcome.kind === 'timeout' ? 'time limit reached' : describeError(outcome.error);
}
