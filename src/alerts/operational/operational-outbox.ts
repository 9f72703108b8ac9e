import crypto from 'node:crypto';
import type { DestinationConfig } from '../../config/sections/alerts.js';
import type { ChangeFeed } from '../../store/changes.js';
import type { Db } from '../../db/database.js';

export const OPERATIONAL_KINDS = ['model-drift', 'positive-rate-high'] as const;
export type OperationalKind = (typeof OPERATIONAL_KINDS)[number];

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

export interface OperationalDelivery {
  seq: number;
  noticeId: string;
  destinationId: string;
  idempotencyKey: string;
  state: 'pending' | 'delivered';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

interface DeliveryRow {
  seq: number;
  notice_id: string;
  destination_id: string;
  idempotency_key: string;
  state: 'pending' | 'delivered';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
}

/**
 * The durable outbox of operational notices: a notice and one delivery per operational
 * destination are written in one transaction (with its /changes entry); the sender reads them
 * from here, so a notice survives a crash. One notice per kind, model and day.
 */
export class OperationalOutbox {
  private readonly stmts;
  private readonly wakers = new Set<(destinationIds: string[]) => void>();

  constructor(
    private readonly db: Db,
    private readonly deps: { changes: ChangeFeed; destinations: () => DestinationConfig[] },
  ) {
    this.stmts = {
      exists: db.prepare<[string, string, string], { id: string }>('SELECT id FROM operational_notices WHERE kind = ? AND model_id = ? AND day = ?'),
      insert: db.prepare('INSERT INTO operational_notices (id, kind, model_id, day, summary, data, created_at) VALUES (@id, @kind, @modelId, @day, @summary, @data, @createdAt)'),
      deliver: db.prepare(
        `INSERT INTO operational_deliveries (notice_id, destination_id, idempotency_key, state, next_attempt_at) VALUES (?, ?, ?, 'pending', ?)`,
      ),
      notice: db.prepare<[string], { id: string; kind: OperationalKind; model_id: string; day: string; summary: string; data: string; created_at: number }>(
        'SELECT * FROM operational_notices WHERE id = ?',
      ),
      nextPending: db.prepare<[string], DeliveryRow>("SELECT * FROM operational_deliveries WHERE destination_id = ? AND state = 'pending' ORDER BY seq LIMIT 1"),
      delivered: db.prepare("UPDATE operational_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE seq = ?"),
      failed: db.prepare('UPDATE operational_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?'),
      ofNotice: db.prepare<[string], DeliveryRow>('SELECT * FROM operational_deliveries WHERE notice_id = ? ORDER BY seq'),
    };
  }

  /** Records a notice for every enabled operational destination; the same kind, model and day again is a no-op. */
  enqueue(input: Omit<OperationalNotice, 'id' | 'createdAt'>, now = Date.now()): OperationalNotice | undefined {
    const targets = this.deps.destinations().filter((d) => d.enabled && d.use === 'operational');
    const notice = this.db.transaction(() => {
      if (this.stmts.exists.get(input.kind, input.modelId, input.day)) return undefined;
      const n: OperationalNotice = { ...input, id: crypto.randomUUID(), createdAt: now };
      this.stmts.insert.run({ ...n, data: JSON.stringify(n.data) });
      for (const d of targets) this.stmts.deliver.run(n.id, d.id, crypto.randomUUID(), now);
      this.deps.changes.append('operational-notice', 'model', n.modelId, { noticeId: n.id, kind: n.kind, day: n.day, destinations: targets.map((d) => d.id) }, now);
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
    return r && { id: r.id, kind: r.kind, modelId: r.model_id, day: r.day, summary: r.summary, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: r.created_at };
  }

  /** The oldest pending delivery of a destination: notices go out in order. */
  nextPending(destinationId: string): OperationalDelivery | undefined {
    const r = this.stmts.nextPending.get(destinationId);
    return r && toDelivery(r);
  }

  markDelivered(seq: number, at: number): void {
    this.stmts.delivered.run(at, seq);
  }

  markFailed(seq: number, retryAt: number, error: string): void {
    this.stmts.failed.run(retryAt, error.slice(0, 500), seq);
  }

  deliveriesOf(noticeId: string): OperationalDelivery[] {
    return this.stmts.ofNotice.all(noticeId).map(toDelivery);
  }
}

function toDelivery(r: DeliveryRow): OperationalDelivery {
  return {
    seq: r.seq,
    noticeId: r.notice_id,
    destinationId: r.destination_id,
    idempotencyKey: r.idempotency_key,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
  };
}
