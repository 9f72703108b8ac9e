import crypto from 'node:crypto';
import type { DestinationConfig } from '../../config/sections/alerts.js';
import type { ChangeFeed } from '../../store/changes.js';
import type { Db } from '../../db/database.js';
import type { QueueError, QueueJob, QueueJobState } from '../../queue/job-queue.js';
import { IndexJobQueue } from '../../queue/index-queue.js';

export const OPERATIONAL_KINDS = ['model-drift', 'positive-rate-high'] as const;
export type OperationalKind = (typeof OPERATIONAL_KINDS)[number];

/** The notices' deliveries in the one durable job queue: one group per destination, sent in order. */
export const OPERATIONAL_QUEUE = 'operational';

/**
 * How long the sender holds the delivery it is posting: far above one attempt (a webhook's
 * timeoutMs is at most minutes), so a delivery still in flight is never taken over.
 */
const SENDING_LEASE_MS = 3_600_000;

/** A notice is retried until delivered: no limit on attempts. */
const NO_ATTEMPT_LIMIT = 1_000_000_000;

/** A notice for IT about a model, never about a patient: ids, figures and words only. */
export interface OperationalNotice {
  id: string;
  kind: OperationalKind;
  modelId: string;
  day: string;
  summary: string;
  data: Record<string, unknown>;
  createdAt: number;
}

/** One notice to one destination: a job of the queue 'operational' (its group the destination). */
export interface OperationalDelivery {
  /** The queue's id of the job. */
  jobId: string;
  /** Its order among every queued job (the outbox order of a destination's deliveries). */
  seq: number;
  noticeId: string;
  destinationId: string;
  /** Sent as Idempotency-Key and as the body's id, the same on every retry. */
  idempotencyKey: string;
  state: 'pending' | 'delivered' | 'dead';
  /** Attempts so far (the one in flight, if any, included). */
  attempts: number;
  /** When it may be tried (again). */
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

interface DeliveryPayload {
  noticeId: string;
}

const STATE: Record<QueueJobState, OperationalDelivery['state']> = {
  queued: 'pending',
  running: 'pending',
  done: 'delivered',
  failed: 'dead',
  dead: 'dead',
  cancelled: 'dead',
};

/**
 * The durable outbox of operational notices: a notice (operational_notices) and one delivery per
 * operational destination, a job of the one durable job queue (queue 'operational', grouped by
 * destination), are written in one transaction with its /changes entry; the sender takes them
 * from the queue, so a notice survives a crash. One notice per kind, model and day.
 */
export class OperationalOutbox {
  /** This process's sender: it holds the delivery it is posting. */
  readonly worker = `${OPERATIONAL_QUEUE}:${process.pid}:${Math.random().toString(16).slice(2, 10)}`;
  private readonly queue: IndexJobQueue;
  private readonly stmts;
  private readonly wakers = new Set<(destinationIds: string[]) => void>();

  constructor(
    private readonly db: Db,
    private readonly deps: { changes: ChangeFeed; destinations: () => DestinationConfig[]; queue?: IndexJobQueue },
  ) {
    this.queue = deps.queue ?? new IndexJobQueue(db);
    this.stmts = {
      exists: db.prepare<[string, string, string], { id: string }>('SELECT id FROM operational_notices WHERE kind = ? AND model_id = ? AND day = ?'),
      insert: db.prepare(
        'INSERT INTO operational_notices (id, kind, model_id, day, summary, data, created_at) VALUES (@id, @kind, @modelId, @day, @summary, @data, @createdAt)',
      ),
      notice: db.prepare<[string], { id: string; kind: OperationalKind; model_id: string; day: string; summary: string; data: string; created_at: number }>(
        'SELECT * FROM operational_notices WHERE id = ?',
      ),
      // The head of the destination's group: the only delivery it may be sent next.
      head: db.prepare<[string, string], { id: string }>(
        `SELECT id FROM queue_jobs WHERE queue = ? AND grp = ? AND state IN ('queued', 'running') ORDER BY seq LIMIT 1`,
      ),
    };
  }

  /** Records a notice for every enabled operational destination; the same kind, model and day again is a no-op. */
  enqueue(input: Omit<OperationalNotice, 'id' | 'createdAt'>, now = Date.now()): OperationalNotice | undefined {
    const targets = this.deps.destinations().filter((d) => d.enabled && d.use === 'operational');
    const notice = this.db.transaction(() => {
      if (this.stmts.exists.get(input.kind, input.modelId, input.day)) return undefined;
      const n: OperationalNotice = { ...input, id: crypto.randomUUID(), createdAt: now };
      this.stmts.insert.run({ ...n, data: JSON.stringify(n.data) });
      for (const d of targets) {
        const payload: DeliveryPayload = { noticeId: n.id };
        this.queue.enqueue({ queue: OPERATIONAL_QUEUE, key: crypto.randomUUID(), payload, group: d.id, maxAttempts: NO_ATTEMPT_LIMIT }, now);
      }
      this.deps.changes.append(
        'operational-notice',
        'model',
        n.modelId,
        { noticeId: n.id, kind: n.kind, day: n.day, destinations: targets.map((d) => d.id) },
        now,
      );
      return n;
    })();
    if (notice && targets.length > 0) for (const w of this.wakers) w(targets.map((d) => d.id));
    return notice;
  }

  onWork(waker: (destinationIds: string[]) => void): () => void {
    this.wakers.add(waker);
    return () => this.wakers.delete(waker);
  }

  get(id: string): OperationalNotice | undefined {
    const r = this.stmts.notice.get(id);
    return (
      r && {
        id: r.id,
        kind: r.kind,
        modelId: r.model_id,
        day: r.day,
        summary: r.summary,
        data: JSON.parse(r.data) as Record<string, unknown>,
        createdAt: r.created_at,
      }
    );
  }

  /** The oldest pending delivery of a destination: notices go out in order. */
  nextPending(destinationId: string): OperationalDelivery | undefined {
    const head = this.stmts.head.get(OPERATIONAL_QUEUE, destinationId);
    const job = head && this.queue.get<DeliveryPayload>(head.id);
    return job && toDelivery(job);
  }

  /** The destination's head, now held by this sender for an attempt (counted from here); undefined when none is due. */
  take(destinationId: string, now: number): OperationalDelivery | undefined {
    const job = this.queue.claim<DeliveryPayload>({ queue: OPERATIONAL_QUEUE, group: destinationId, worker: this.worker, leaseMs: SENDING_LEASE_MS, now });
    return job && toDelivery(job);
  }

  /** At start: deliveries a stopped process was posting are pending again (their attempt counted). */
  recoverInFlight(now: number): number {
    return this.queue.expireLeases(
      OPERATIONAL_QUEUE,
      { code: 'QUEUE_LEASE_EXPIRED', detail: 'the node stopped while the notice was in flight' },
      { now, every: true },
    );
  }

  markDelivered(d: OperationalDelivery, at: number): boolean {
    return this.queue.complete(d.jobId, this.worker, undefined, at);
  }

  markFailed(d: OperationalDelivery, retryAt: number, error: QueueError): void {
    this.queue.fail(d.jobId, this.worker, { code: error.code, detail: error.detail.slice(0, 500) }, { at: retryAt });
  }

  /** The delivery back to pending without spending its attempt (the sender stopped mid-attempt). */
  release(d: OperationalDelivery): void {
    this.queue.release(d.jobId, this.worker);
  }

  /** A notice's deliveries, in outbox order. */
  deliveriesOf(noticeId: string): OperationalDelivery[] {
    return this.queue.list<DeliveryPayload>({ queue: OPERATIONAL_QUEUE, where: { noticeId }, limit: 1000 }).map(toDelivery).reverse();
  }
}

function toDelivery(job: QueueJob<DeliveryPayload>): OperationalDelivery {
  return {
    jobId: job.id,
    seq: job.seq,
    noticeId: job.payload.noticeId,
    destinationId: job.group ?? '',
    idempotencyKey: job.key,
    state: STATE[job.state],
    attempts: job.attempts,
    nextAttemptAt: job.state === 'running' ? (job.leaseUntil ?? job.availableAt) : job.availableAt,
    lastError: job.error?.detail ?? null,
    deliveredAt: job.state === 'done' ? job.finishedAt : null,
  };
}
