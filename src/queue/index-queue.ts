import crypto from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { jsonFieldEquals } from '../db/dialect.js';
import {
  QUEUE_JOB_STATES,
  type ClaimRequest,
  type EnqueueInput,
  type JobQueue,
  type ListQuery,
  type QueueError,
  type QueueJob,
  type QueueJobState,
  type QueueObserver,
  type QueueStats,
  type RetryRule,
} from './job-queue.js';
import { failureOutcome } from './failure-outcome.js';

interface Row {
  seq: number;
  id: string;
  queue: string;
  key: string;
  payload: string;
  priority: number;
  grp: string | null;
  state: QueueJobState;
  attempts: number;
  max_attempts: number;
  available_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  error_code: string | null;
  error_detail: string | null;
  result: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/**
 * The job queue in the node's index (table queue_jobs), on SQLite or on PostgreSQL (the index's
 * synchronous connection: src/db/postgres/). Every method is one statement or one short
 * transaction, synchronous: called inside the caller's transaction it joins it (a nested
 * transaction is a savepoint), so an enqueue or a completion commits with the caller's own
 * write. On PostgreSQL, claims skip rows another node has locked (`FOR UPDATE SKIP LOCKED`).
 */
export class IndexJobQueue implements JobQueue {
  private readonly stmts;
  private readonly claimTx;
  private readonly claimGroupTx;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly observer: QueueObserver | undefined;
  /** Other nodes use this index too (PostgreSQL): no lease is ended before its time. */
  private readonly shared: boolean;

  constructor(
    private readonly db: Db,
    opts: { clock?: Clock; random?: () => number; observer?: QueueObserver; shared?: boolean } = {},
  ) {
    this.shared = opts.shared ?? db.dialect === 'postgres';
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.observer = opts.observer;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO queue_jobs (id, queue, key, payload, priority, grp, state, attempts, max_attempts, available_at, created_at)
         VALUES (@id, @queue, @key, @payload, @priority, @group, 'queued', 0, @maxAttempts, @availableAt, @now)
         ON CONFLICT (queue, key) DO NOTHING`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM queue_jobs WHERE id = ?'),
      byKey: db.prepare<[string, string], Row>('SELECT * FROM queue_jobs WHERE queue = ? AND key = ?'),
      expire: db.prepare<[{ queue: string; now: number; every: number; code: string; detail: string }]>(
        `UPDATE queue_jobs SET
           state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
           error_code = @code, error_detail = @detail, lease_owner = NULL, lease_until = NULL,
           finished_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END,
           available_at = @now
         WHERE queue = @queue AND state = 'running' AND (@every = 1 OR lease_until <= @now)
         RETURNING state`,
      ),
      next: db.prepare<[{ queue: string; now: number }], { id: string }>(
        `SELECT id FROM queue_jobs WHERE queue = @queue AND state = 'queued' AND available_at <= @now
         ORDER BY priority DESC, available_at, seq LIMIT 1${db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''}`,
      ),
      head: db.prepare<[{ queue: string; group: string }], Row>(
        `SELECT * FROM queue_jobs WHERE queue = @queue AND grp = @group AND state IN ('queued', 'running') ORDER BY seq LIMIT 1`,
      ),
      take: db.prepare<[{ id: string; worker: string; now: number; until: number }], Row>(
        `UPDATE queue_jobs SET state = 'running', attempts = attempts + 1, started_at = @now, lease_owner = @worker, lease_until = @until
         WHERE id = @id AND state = 'queued' RETURNING *`,
      ),
      extend: db.prepare(`UPDATE queue_jobs SET lease_until = @until WHERE id = @id AND state = 'running' AND lease_owner = @worker`),
      complete: db.prepare(
        `UPDATE queue_jobs SET state = 'done', result = @result, finished_at = @now, error_code = NULL, error_detail = NULL, lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND state = 'running' AND lease_owner = @worker`,
      ),
      running: db.prepare<[string, string], Row>(`SELECT * FROM queue_jobs WHERE id = ? AND state = 'running' AND lease_owner = ?`),
      fail: db.prepare(
        `UPDATE queue_jobs SET state = @state, error_code = @code, error_detail = @detail, finished_at = @finishedAt, available_at = @availableAt,
           lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND state = 'running' AND lease_owner = @worker`,
      ),
      release: db.prepare(
        `UPDATE queue_jobs SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND state = 'running' AND (CAST(@worker AS TEXT) IS NULL OR lease_owner = @worker)`,
      ),
      releaseAll: db.prepare(
        `UPDATE queue_jobs SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lease_owner = NULL, lease_until = NULL
         WHERE queue = ? AND state = 'running' AND lease_owner = ?`,
      ),
      cancel: db.prepare(
        `UPDATE queue_jobs SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND state IN ('queued', 'running')`,
      ),
      retry: db.prepare(
        `UPDATE queue_jobs SET state = 'queued', attempts = CASE WHEN @keep = 1 THEN attempts ELSE 0 END, error_code = NULL, error_detail = NULL, available_at = @now, started_at = NULL, finished_at = NULL
         WHERE id = @id AND state IN ('failed', 'dead', 'cancelled')`,
      ),
      wake: db.prepare<[string, string], { at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(available_at) AS at FROM queue_jobs WHERE queue = ? AND state = 'queued'
           UNION ALL SELECT MIN(lease_until) FROM queue_jobs WHERE queue = ? AND state = 'running') AS due`,
      ),
      counts: db.prepare<[string], { state: QueueJobState; n: number }>('SELECT state, COUNT(*) AS n FROM queue_jobs WHERE queue = ? GROUP BY state'),
      oldest: db.prepare<[string], { at: number | null }>(`SELECT MIN(created_at) AS at FROM queue_jobs WHERE queue = ? AND state = 'queued'`),
      queues: db.prepare<[], { queue: string }>('SELECT DISTINCT queue FROM queue_jobs ORDER BY queue'),
      prune: db.prepare(`DELETE FROM queue_jobs WHERE queue = ? AND state = 'done' AND finished_at < ?`),
    };
    this.claimTx = db.transaction((request: ClaimRequest, now: number): Row | undefined => {
      this.expireDue(request.queue, now);
      const next = this.stmts.next.get({ queue: request.queue, now });
      return next ? this.stmts.take.get({ id: next.id, worker: request.worker, now, until: now + request.leaseMs }) : undefined;
    });
    this.claimGroupTx = db.transaction((request: ClaimRequest & { group: string }, now: number): Row | undefined => {
      this.expireDue(request.queue, now);
      const head = this.stmts.head.get({ queue: request.queue, group: request.group });
      if (!head || head.state !== 'queued' || head.available_at > now) return undefined;
      return this.stmts.take.get({ id: head.id, worker: request.worker, now, until: now + request.leaseMs });
    });
  }

  enqueue<P>(input: EnqueueInput<P>, now = this.clock.now()): { job: QueueJob<P>; created: boolean } {
    const info = this.stmts.insert.run({
      id: crypto.randomUUID(),
      queue: input.queue,
      key: input.key,
      payload: JSON.stringify(input.payload),
      priority: input.priority ?? 0,
      group: input.group ?? null,
      maxAttempts: input.maxAttempts,
      availableAt: input.availableAt ?? now,
      now,
    });
    return { job: toJob<P>(this.stmts.byKey.get(input.queue, input.key)!), created: info.changes === 1 };
  }

  get<P = unknown, R = unknown>(id: string): QueueJob<P, R> | undefined {
    const row = this.stmts.get.get(id);
    return row ? toJob<P, R>(row) : undefined;
  }

  getByKey<P = unknown, R = unknown>(queue: string, key: string): QueueJob<P, R> | undefined {
    const row = this.stmts.byKey.get(queue, key);
    return row ? toJob<P, R>(row) : undefined;
  }

  claim<P = unknown, R = unknown>(request: ClaimRequest): QueueJob<P, R> | undefined {
    const now = request.now ?? this.clock.now();
    const row = request.group === undefined ? this.claimTx(request, now) : this.claimGroupTx({ ...request, group: request.group }, now);
    return row ? toJob<P, R>(row) : undefined;
  }

  extendLease(id: string, worker: string, leaseMs: number, now = this.clock.now()): boolean {
    return this.stmts.extend.run({ id, worker, until: now + leaseMs }).changes === 1;
  }

  complete<R>(id: string, worker: string, result?: R, now = this.clock.now()): boolean {
    return this.stmts.complete.run({ id, worker, now, result: result === undefined ? null : JSON.stringify(result) }).changes === 1;
  }

  fail(id: string, worker: string, error: QueueError, retry: RetryRule, now = this.clock.now()): QueueJobState | undefined {
    return this.db.transaction((): QueueJobState | undefined => {
      const row = this.stmts.running.get(id, worker);
      if (!row) return undefined;
      const { state, availableAt } = failureOutcome(
        retry,
        { attempts: row.attempts, maxAttempts: row.max_attempts, availableAt: row.available_at },
        now,
        this.random,
      );
      this.stmts.fail.run({ id, worker, state, code: error.code, detail: error.detail, finishedAt: state === 'queued' ? null : now, availableAt });
      if (state === 'queued') this.observer?.retried(row.queue);
      if (state === 'dead') this.observer?.deadLettered(row.queue);
      return state;
    })();
  }

  release(id: string, worker?: string): boolean {
    return this.stmts.release.run({ id, worker: worker ?? null }).changes === 1;
  }

  releaseAll(queue: string, worker: string): number {
    return this.stmts.releaseAll.run(queue, worker).changes;
  }

  expireLeases(queue: string, error: QueueError, opts: { now?: number; every?: boolean } = {}): number {
    const now = opts.now ?? this.clock.now();
    return this.db.transaction(() => this.expire(queue, now, error, opts.every === true && !this.shared))();
  }

  cancel(id: string, now = this.clock.now()): boolean {
    return this.stmts.cancel.run(now, id).changes === 1;
  }

  retry(id: string, now = this.clock.now(), opts: { keepAttempts?: boolean } = {}): boolean {
    return this.stmts.retry.run({ id, now, keep: opts.keepAttempts ? 1 : 0 }).changes === 1;
  }

  nextWakeAt(queue: string): number | null {
    return this.stmts.wake.get(queue, queue)?.at ?? null;
  }

  list<P = unknown, R = unknown>(query: ListQuery): QueueJob<P, R>[] {
    const where = ['queue = ?'];
    const params: (string | number)[] = [query.queue];
    const states = query.state === undefined ? [] : typeof query.state === 'string' ? [query.state] : query.state;
    if (states.length > 0) {
      where.push(`state IN (${states.map(() => '?').join(', ')})`);
      params.push(...states);
    }
    for (const [field, value] of Object.entries(query.where ?? {})) {
      const test = jsonFieldEquals(this.db, 'payload', field, value);
      where.push(test.sql);
      params.push(test.param);
    }
    const sql = `SELECT * FROM queue_jobs WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ? OFFSET ?`;
    return this.db
      .prepare<(string | number)[], Row>(sql)
      .all(...params, query.limit, query.offset ?? 0)
      .map((row) => toJob<P, R>(row));
  }

  counts(queue: string): Record<QueueJobState, number> {
    const out = Object.fromEntries(QUEUE_JOB_STATES.map((s) => [s, 0])) as Record<QueueJobState, number>;
    for (const row of this.stmts.counts.all(queue)) out[row.state] = row.n;
    return out;
  }

  stats(queue: string, now = this.clock.now()): QueueStats {
    const counts = this.counts(queue);
    const oldest = this.stmts.oldest.get(queue)?.at ?? null;
    return { depth: counts.queued, inFlight: counts.running, deadLetters: counts.dead, oldestAgeMs: oldest === null ? 0 : Math.max(0, now - oldest) };
  }

  queues(): string[] {
    return this.stmts.queues.all().map((r) => r.queue);
  }

  pruneDone(queue: string, before: number): number {
    return this.stmts.prune.run(queue, before).changes;
  }

  private expireDue(queue: string, now: number): void {
    this.expire(queue, now, { code: 'QUEUE_LEASE_EXPIRED', detail: 'the lease on the job ran out before its worker finished it' }, false);
  }

  private expire(queue: string, now: number, error: QueueError, every: boolean): number {
    const rows = this.stmts.expire.all({ queue, now, every: every ? 1 : 0, code: error.code, detail: error.detail }) as { state: QueueJobState }[];
    if (rows.length > 0) this.observer?.leaseExpired(queue, rows.length);
    for (const row of rows) if (row.state === 'dead') this.observer?.deadLettered(queue);
    return rows.length;
  }
}

function toJob<P = unknown, R = unknown>(row: Row): QueueJob<P, R> {
  return {
    id: row.id,
    seq: row.seq,
    queue: row.queue,
    key: row.key,
    payload: JSON.parse(row.payload) as P,
    priority: row.priority,
    group: row.grp,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    availableAt: row.available_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    error: row.error_code ? { code: row.error_code, detail: row.error_detail ?? '' } : null,
    result: row.result === null ? null : (JSON.parse(row.result) as R),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
