import type { ChannelType } from '../config/sections/alerts.js';
import type { Db } from '../db/database.js';
import type { Delivery, DeliveryKind, DeliveryState } from './model.js';
import { IndexJobQueue } from '../queue/index-queue.js';

interface DeliveryRow {
  seq: number;
  alert_id: string;
  destination_id: string;
  channel: string;
  kind: string;
  escalation_level: number | null;
  idempotency_key: string;
  state: string;
  steps_done: number;
  attempts: number;
  next_attempt_at: number;
  retry_window_from: number;
  last_attempt_at: number | null;
  last_error_code: string | null;
  last_error: string | null;
  last_peer_text: string | null;
  created_at: number;
  delivered_at: number | null;
  time_to_notification_ms: number | null;
  closed_reason: string | null;
  job_id: string | null;
}

/** The deliveries' queue in the one durable job queue: one group per destination, sent in order. */
export const ALERTS_QUEUE = 'alerts';

/**
 * How long a destination's sender holds the delivery it is sending: far above one attempt (each
 * message step waits at most 5 min for its answer), so a delivery still in flight is never taken over.
 */
const SENDING_LEASE_MS = 3_600_000;

/** Deliveries give up by time (alerts.delivery.giveUpAfterMs), not by a count of attempts. */
const NO_ATTEMPT_LIMIT = 1_000_000_000;

export interface NewDelivery {
  alertId: string;
  destinationId: string;
  channel: ChannelType;
  kind: DeliveryKind;
  escalationLevel: number | null;
  idempotencyKey: string;
  createdAt: number;
}

export interface DeliveryQuery {
  state?: DeliveryState | undefined;
  destinationId?: string | undefined;
  /** Only rows after this sequence number (paging forward). */
  after?: number | undefined;
  limit: number;
}

/**
 * The outbox's deliveries. Each is a record (alert_delivery_records: what it is and what came of
 * it) and a job of the one durable job queue (queue 'alerts', grouped by destination), which
 * holds its sending state; the view alert_deliveries joins the two. Every method is synchronous
 * and joins the caller's transaction when there is one.
 */
export class DeliveryStore {
  /** This process's senders: they hold the delivery they are sending. */
  readonly worker = `alerts:${process.pid}:${Math.random().toString(16).slice(2, 10)}`;
  private readonly queue: IndexJobQueue;
  private readonly stmts;

  constructor(
    private readonly db: Db,
    queue?: IndexJobQueue,
  ) {
    this.queue = queue ?? new IndexJobQueue(db);
    this.stmts = {
      // RETURNING, not better-sqlite3's lastInsertRowid: the same SQL gives the key on PostgreSQL.
      insert: db.prepare<[Record<string, unknown>], { seq: number }>(
        `INSERT INTO alert_delivery_records (alert_id, destination_id, channel, kind, escalation_level, idempotency_key, state, next_attempt_at, retry_window_from, created_at, job_id)
         VALUES (@alertId, @destinationId, @channel, @kind, @escalationLevel, @idempotencyKey, 'pending', @createdAt, @createdAt, @createdAt, @jobId) RETURNING seq`,
      ),
      get: db.prepare<[number], DeliveryRow>('SELECT * FROM alert_deliveries WHERE seq = ?'),
      ofAlert: db.prepare<[string], DeliveryRow>('SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY seq'),
      // The head of the destination's group in the queue: the only delivery it may be sent next.
      head: db.prepare<[string, string], DeliveryRow>(
        `SELECT * FROM alert_deliveries WHERE job_id = (
           SELECT id FROM queue_jobs WHERE queue = ? AND grp = ? AND state IN ('queued', 'running') ORDER BY seq LIMIT 1)`,
      ),
      attempt: db.prepare('UPDATE alert_delivery_records SET last_attempt_at = ? WHERE seq = ?'),
      stepDone: db.prepare(`UPDATE alert_delivery_records SET steps_done = ? WHERE seq = ?`),
      delivered: db.prepare(`UPDATE alert_delivery_records SET delivered_at = @at, time_to_notification_ms = @ttn, closed_reason = @reason WHERE seq = @seq`),
      peerText: db.prepare(`UPDATE alert_delivery_records SET last_peer_text = @peer WHERE seq = @seq`),
      dead: db.prepare(`UPDATE alert_delivery_records SET last_peer_text = @peer, closed_reason = @reason WHERE seq = @seq`),
      closed: db.prepare(`UPDATE alert_delivery_records SET closed_reason = ? WHERE seq = ?`),
      reopened: db.prepare(`UPDATE alert_delivery_records SET retry_window_from = @at, closed_reason = NULL, job_id = @jobId WHERE seq = @seq`),
      pendingOfAlert: db.prepare<[string], DeliveryRow>(`SELECT * FROM alert_deliveries WHERE alert_id = ? AND state = 'pending' ORDER BY seq`),
      deadOfAlert: db.prepare<[string], DeliveryRow>(`SELECT * FROM alert_deliveries WHERE alert_id = ? AND state = 'dead' ORDER BY seq`),
      // Pending: the destination's jobs still in the queue (every pending record has one since alerts migration 4).
      pendingByDestination: db.prepare<[string], { destination_id: string; n: number }>(
        `SELECT grp AS destination_id, COUNT(*) AS n FROM queue_jobs WHERE queue = ? AND state IN ('queued', 'running') GROUP BY grp`,
      ),
    };
  }

  /** A new delivery: its record and its job, together. */
  insert(d: NewDelivery): number {
    return this.db.transaction(() => {
      const { job } = this.queue.enqueue(
        { queue: ALERTS_QUEUE, key: d.idempotencyKey, payload: { alertId: d.alertId, kind: d.kind }, group: d.destinationId, maxAttempts: NO_ATTEMPT_LIMIT },
        d.createdAt,
      );
      return this.stmts.insert.get({ ...d, jobId: job.id })!.seq;
    })();
  }

  get(seq: number): Delivery | undefined {
    const row = this.stmts.get.get(seq);
    return row ? toDelivery(row) : undefined;
  }

  ofAlert(alertId: string): Delivery[] {
    return this.stmts.ofAlert.all(alertId).map(toDelivery);
  }

  /** The oldest pending delivery of a destination: the only one it may be sent next. */
  head(destinationId: string): Delivery | undefined {
    const row = this.stmts.head.get(ALERTS_QUEUE, destinationId);
    return row ? toDelivery(row) : undefined;
  }

  /**
   * The destination's sender takes the delivery for an attempt (the attempt counts from here).
   * False when it is not its turn (not the destination's head, or held by another sender).
   */
  recordAttempt(seq: number, at: number): boolean {
    return this.db.transaction(() => {
      if (!this.hold(seq, at)) return false;
      this.stmts.attempt.run(at, seq);
      return true;
    })();
  }

  /** At start: deliveries a stopped process was sending are pending again (their attempt counted). */
  recoverInFlight(now: number): number {
    return this.queue.expireLeases(
      ALERTS_QUEUE,
      { code: 'QUEUE_LEASE_EXPIRED', detail: 'the node stopped while the delivery was in flight' },
      { now, every: true },
    );
  }

  recordStep(seq: number, stepsDone: number): void {
    this.stmts.stepDone.run(stepsDone, seq);
  }

  /** False when the delivery was no longer this sender's (cancelled meanwhile). */
  markDelivered(seq: number, at: number, ttnMs: number, reason: string | null): boolean {
    return this.db.transaction(() => {
      const jobId = this.hold(seq, at);
      if (!jobId || !this.queue.complete(jobId, this.worker, undefined, at)) return false;
      this.stmts.delivered.run({ seq, at, ttn: ttnMs, reason });
      return true;
    })();
  }

  markFailed(seq: number, next: number, failure: { code: string; error: string; peer: string | null }): void {
    this.db.transaction(() => {
      const jobId = this.hold(seq, next);
      if (!jobId || this.queue.fail(jobId, this.worker, { code: failure.code, detail: failure.error }, { at: next }) === undefined) return;
      this.stmts.peerText.run({ seq, peer: failure.peer });
    })();
  }

  markDead(seq: number, failure: { code: string; error: string; peer: string | null }, reason: string): boolean {
    return this.db.transaction(() => {
      const jobId = this.hold(seq, this.queue.get(this.stmts.get.get(seq)?.job_id ?? '')?.availableAt ?? 0);
      if (!jobId || this.queue.fail(jobId, this.worker, { code: failure.code, detail: failure.error }, 'give-up') === undefined) return false;
      this.stmts.dead.run({ seq, peer: failure.peer, reason });
      return true;
    })();
  }

  cancelPending(alertId: string, reason: string): number {
    return this.db.transaction(() => {
      let n = 0;
      for (const row of this.stmts.pendingOfAlert.all(alertId)) {
        if (row.job_id && this.queue.cancel(row.job_id)) {
          this.stmts.closed.run(reason, row.seq);
          n++;
        }
      }
      return n;
    })();
  }

  /**
   * Dead deliveries of these kinds back to pending, in their old places (attempts kept: they
   * say which destinations may hold the alert). One that died before the upgrade to the job
   * queue gets a job now, behind the destination's waiting ones.
   */
  retryDead(alertId: string, at: number, kinds: readonly DeliveryKind[]): number {
    return this.db.transaction(() => {
      let n = 0;
      for (const row of this.stmts.deadOfAlert.all(alertId)) {
        if (!kinds.includes(row.kind as DeliveryKind)) continue;
        let jobId = row.job_id;
        if (jobId) {
          if (!this.queue.retry(jobId, at, { keepAttempts: true })) continue;
        } else {
          jobId = this.queue.enqueue(
            {
              queue: ALERTS_QUEUE,
              key: row.idempotency_key,
              payload: { alertId: row.alert_id, kind: row.kind },
              group: row.destination_id,
              maxAttempts: NO_ATTEMPT_LIMIT,
            },
            at,
          ).job.id;
        }
        this.stmts.reopened.run({ seq: row.seq, at, jobId });
        n++;
      }
      return n;
    })();
  }

  /**
   * The delivery's job, held by this store's sender: already (the sender claimed it for its
   * attempt), or claimed now when it is its destination's head (an outcome recorded without an
   * attempt of this process: a refusal decided at once, an operator's tool).
   */
  private hold(seq: number, at: number): string | undefined {
    const row = this.stmts.get.get(seq);
    if (!row?.job_id) return undefined;
    const job = this.queue.get(row.job_id);
    if (!job) return undefined;
    if (job.state === 'running' && job.leaseOwner === this.worker) return job.id;
    const claimed = this.queue.claim({
      queue: ALERTS_QUEUE,
      group: row.destination_id,
      worker: this.worker,
      leaseMs: SENDING_LEASE_MS,
      now: Math.max(at, job.availableAt),
    });
    if (!claimed) return undefined;
    if (claimed.id !== job.id) {
      this.queue.release(claimed.id, this.worker);
      return undefined;
    }
    return job.id;
  }

  pendingCounts(): Map<string, number> {
    return new Map(this.stmts.pendingByDestination.all(ALERTS_QUEUE).map((r) => [r.destination_id, r.n]));
  }

  list(q: DeliveryQuery): Delivery[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.state) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.destinationId) {
      where.push('destination_id = ?');
      params.push(q.destinationId);
    }
    if (q.after !== undefined) {
      where.push('seq > ?');
      params.push(q.after);
    }
    const sql = `SELECT * FROM alert_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`;
    return this.db
      .prepare<(string | number)[], DeliveryRow>(sql)
      .all(...params, q.limit)
      .map(toDelivery);
  }
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    seq: row.seq,
    alertId: row.alert_id,
    destinationId: row.destination_id,
    channel: row.channel as ChannelType,
    kind: row.kind as DeliveryKind,
    escalationLevel: row.escalation_level,
    idempotencyKey: row.idempotency_key,
    state: row.state as DeliveryState,
    stepsDone: row.steps_done,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    retryWindowFrom: row.retry_window_from,
    lastAttemptAt: row.last_attempt_at,
    lastErrorCode: row.last_error_code,
    lastError: row.last_error,
    lastPeerText: row.last_peer_text,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    timeToNotificationMs: row.time_to_notification_ms,
    closedReason: row.closed_reason,
  };
}
