import type { ChannelType } from '../config/sections/alerts.js';
import type { Db } from '../db/database.js';
import type { Delivery, DeliveryKind, DeliveryState } from './model.js';

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
}

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

/** Rows of `alert_deliveries`, the outbox. Every method is one statement, synchronous. */
export class DeliveryStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO alert_deliveries (alert_id, destination_id, channel, kind, escalation_level, idempotency_key, state, next_attempt_at, retry_window_from, created_at)
         VALUES (@alertId, @destinationId, @channel, @kind, @escalationLevel, @idempotencyKey, 'pending', @createdAt, @createdAt, @createdAt)`,
      ),
      get: db.prepare<[number], DeliveryRow>('SELECT * FROM alert_deliveries WHERE seq = ?'),
      ofAlert: db.prepare<[string], DeliveryRow>('SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY seq'),
      head: db.prepare<[string], DeliveryRow>(
        `SELECT * FROM alert_deliveries WHERE destination_id = ? AND state = 'pending' ORDER BY seq LIMIT 1`,
      ),
      attempt: db.prepare('UPDATE alert_deliveries SET attempts = attempts + 1, last_attempt_at = ? WHERE seq = ?'),
      stepDone: db.prepare(`UPDATE alert_deliveries SET steps_done = ? WHERE seq = ? AND state = 'pending'`),
      delivered: db.prepare(
        `UPDATE alert_deliveries SET state = 'delivered', delivered_at = @at, time_to_notification_ms = @ttn,
           last_error_code = NULL, last_error = NULL, closed_reason = @reason
         WHERE seq = @seq AND state = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE alert_deliveries SET next_attempt_at = @next, last_error_code = @code, last_error = @error, last_peer_text = @peer
         WHERE seq = @seq AND state = 'pending'`,
      ),
      dead: db.prepare(
        `UPDATE alert_deliveries SET state = 'dead', last_error_code = @code, last_error = @error, last_peer_text = @peer, closed_reason = @reason
         WHERE seq = @seq AND state = 'pending'`,
      ),
      cancelPending: db.prepare(`UPDATE alert_deliveries SET state = 'cancelled', closed_reason = ? WHERE alert_id = ? AND state = 'pending'`),
      retryDead: db.prepare(
        `UPDATE alert_deliveries SET state = 'pending', next_attempt_at = @at, retry_window_from = @at, closed_reason = NULL
         WHERE alert_id = @alertId AND state = 'dead' AND kind IN (SELECT value FROM json_each(@kinds))`,
      ),
      pendingByDestination: db.prepare<[], { destination_id: string; n: number }>(
        `SELECT destination_id, COUNT(*) AS n FROM alert_deliveries WHERE state = 'pending' GROUP BY destination_id`,
      ),
    };
  }

  insert(d: NewDelivery): number {
    return Number(this.stmts.insert.run(d).lastInsertRowid);
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
    const row = this.stmts.head.get(destinationId);
    return row ? toDelivery(row) : undefined;
  }

  recordAttempt(seq: number, at: number): void {
    this.stmts.attempt.run(at, seq);
  }

  recordStep(seq: number, stepsDone: number): void {
    this.stmts.stepDone.run(stepsDone, seq);
  }

  /** False when the row was no longer pending (cancelled meanwhile). */
  markDelivered(seq: number, at: number, ttnMs: number, reason: string | null): boolean {
    return this.stmts.delivered.run({ seq, at, ttn: ttnMs, reason }).changes === 1;
  }

  markFailed(seq: number, next: number, failure: { code: string; error: string; peer: string | null }): void {
    this.stmts.failed.run({ seq, next, code: failure.code, error: failure.error, peer: failure.peer });
  }

  markDead(seq: number, failure: { code: string; error: string; peer: string | null }, reason: string): boolean {
    return this.stmts.dead.run({ seq, code: failure.code, error: failure.error, peer: failure.peer, reason }).changes === 1;
  }

  cancelPending(alertId: string, reason: string): number {
    return this.stmts.cancelPending.run(reason, alertId).changes;
  }

  /** Dead deliveries of these kinds back to pending. */
  retryDead(alertId: string, at: number, kinds: readonly DeliveryKind[]): number {
    return this.stmts.retryDead.run({ at, alertId, kinds: JSON.stringify(kinds) }).changes;
  }

  pendingCounts(): Map<string, number> {
    return new Map(this.stmts.pendingByDestination.all().map((r) => [r.destination_id, r.n]));
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
