import crypto from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
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
import { PostgresWakeups } from './postgres-wakeups.js';

/** A row as pg returns it: BIGINT columns arrive as strings (they may exceed 2^53; ours never do). */
interface Row {
  seq: string;
  id: string;
  queue: string;
  key: string;
  payload: unknown;
  priority: number;
  grp: string | null;
  state: QueueJobState;
  attempts: number;
  max_attempts: number;
  available_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  error_code: string | null;
  error_detail: string | null;
  result: unknown;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Where the statements run: on the pool (each multi-statement step its own transaction) or in a caller's open transaction. */
interface Runner {
  query: Queryable['query'];
  /** Runs `fn` atomically: a transaction of its own on the pool, a savepoint in the caller's transaction. */
  atomically<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
}

function poolRunner(pool: pg.Pool): Runner {
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pg's query is overloaded: bind() keeps only one signature
    query: pool.query.bind(pool) as Queryable['query'],
    async atomically(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
        throw err;
      } finally {
        // A connection that could not even roll back is closed, not handed to the next caller.
        client.release(broken);
      }
    },
  };
}

function joinedRunner(client: pg.ClientBase): Runner {
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pg's query is overloaded: bind() keeps only one signature
    query: client.query.bind(client) as Queryable['query'],
    async atomically(fn) {
      // Nested like better-sqlite3 nests a transaction: a failed step undoes only itself.
      await client.query('SAVEPOINT vigil_queue');
      try {
        const out = await fn(client);
        await client.query('RELEASE SAVEPOINT vigil_queue');
        return out;
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT vigil_queue; RELEASE SAVEPOINT vigil_queue').catch(() => undefined);
        throw err;
      }
    },
  };
}

/** A payload field a listing may filter on: a plain name (the same rule as the SQLite backend). */
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const LEASE_RAN_OUT: QueueError = { code: 'QUEUE_LEASE_EXPIRED', detail: 'the lease on the job ran out before its worker finished it' };

/**
 * The job queue on PostgreSQL (table queue_jobs of postgres-migrations.ts), for several processes
 * sharing one server. Own SQL on `pg` rather than pg-boss or graphile-worker: the contract fixes
 * the semantics (idempotent keys whatever the state, groups in enqueue order, leases measured on
 * the node's clock, the one back-off, operator retries in the old place) and the table mirrors
 * the SQLite one, so the two backends are the same queue; either library would bring its own
 * schema, states and retry rules to map onto ours, and a dependency to keep, for the ten
 * statements below.
 *
 * - Claims: `SELECT ... FOR UPDATE SKIP LOCKED` in a transaction, so racing claimers never wait
 *   for each other nor take the same job; the queue's leases that ran out are taken back first
 *   (skipping rows another transaction holds). A group's head is locked without SKIP LOCKED: a
 *   second claimer of the group waits for the first and then sees the head running.
 * - A grouped enqueue takes a transaction-level advisory lock on its group, so that enqueues into
 *   one group commit in the order of their seq (the group's run order) even from concurrent
 *   transactions.
 * - Wake-ups: LISTEN/NOTIFY (waitForWork; the trigger of the migration notifies at commit).
 * - Joining the caller's transaction (as the SQLite backend does): `joining(client)` on a client
 *   that has run BEGIN gives the same queue whose statements run on that client; its
 *   multi-statement steps (claim, fail, expiry) are savepoints, and everything, NOTIFY included,
 *   commits or rolls back with the caller's own writes. The observer (metrics) counts when the
 *   step ran, as on SQLite. Like the transaction itself, a joined queue takes one step at a time
 *   (await each call before the next on the same client).
 */
export class PostgresJobQueue implements JobQueue<'async'> {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly observer: QueueObserver | undefined;

  constructor(
    private readonly pool: pg.Pool,
    opts: { clock?: Clock; random?: () => number; observer?: QueueObserver } = {},
    private readonly db: Runner = poolRunner(pool),
    private readonly wakeups: PostgresWakeups = new PostgresWakeups(pool),
  ) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.observer = opts.observer;
  }

  /** The same queue inside the caller's open transaction on `client` (see the class comment). */
  joining(client: pg.ClientBase): PostgresJobQueue {
    return new PostgresJobQueue(
      this.pool,
      { clock: this.clock, random: this.random, ...(this.observer && { observer: this.observer }) },
      joinedRunner(client),
      this.wakeups,
    );
  }

  async enqueue<P>(input: EnqueueInput<P>, now = this.clock.now()): Promise<{ job: QueueJob<P>; created: boolean }> {
    const insert = async (db: Queryable): Promise<{ job: QueueJob<P>; created: boolean }> => {
      if (input.group != null) await db.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [input.queue, input.group]);
      const inserted = await db.query<Row>(
        `INSERT INTO queue_jobs (id, queue, key, payload, priority, grp, state, attempts, max_attempts, available_at, created_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, 'queued', 0, $7, $8, $9)
         ON CONFLICT (queue, key) DO NOTHING RETURNING *`,
        [
          crypto.randomUUID(),
          input.queue,
          input.key,
          JSON.stringify(input.payload),
          input.priority ?? 0,
          input.group ?? null,
          input.maxAttempts,
          input.availableAt ?? now,
          now,
        ],
      );
      if (inserted.rows[0]) return { job: toJob<P>(inserted.rows[0]), created: true };
      const existing = await db.query<Row>('SELECT * FROM queue_jobs WHERE queue = $1 AND key = $2', [input.queue, input.key]);
      // Pruned between the two statements (a done job's key is free again): insert after all.
      return existing.rows[0] ? { job: toJob<P>(existing.rows[0]), created: false } : insert(db);
    };
    return input.group != null ? this.db.atomically(insert) : insert(this.db);
  }

  async get<P = unknown, R = unknown>(id: string): Promise<QueueJob<P, R> | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM queue_jobs WHERE id = $1', [id]);
    return rows[0] ? toJob<P, R>(rows[0]) : undefined;
  }

  async getByKey<P = unknown, R = unknown>(queue: string, key: string): Promise<QueueJob<P, R> | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM queue_jobs WHERE queue = $1 AND key = $2', [queue, key]);
    return rows[0] ? toJob<P, R>(rows[0]) : undefined;
  }

  async claim<P = unknown, R = unknown>(request: ClaimRequest): Promise<QueueJob<P, R> | undefined> {
    const now = request.now ?? this.clock.now();
    const { row, expired } = await this.db.atomically(async (db) => {
      const expired = await this.expire(db, request.queue, now, LEASE_RAN_OUT, false);
      const pick =
        request.group === undefined
          ? await db.query<{ seq: string; available_at: string; state: QueueJobState }>(
              `SELECT seq, available_at, state FROM queue_jobs WHERE queue = $1 AND state = 'queued' AND available_at <= $2
               ORDER BY priority DESC, available_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED`,
              [request.queue, now],
            )
          : await db.query<{ seq: string; available_at: string; state: QueueJobState }>(
              `SELECT seq, available_at, state FROM queue_jobs WHERE queue = $1 AND grp = $2 AND state IN ('queued', 'running')
               ORDER BY seq LIMIT 1 FOR UPDATE`,
              [request.queue, request.group],
            );
      const next = pick.rows[0];
      if (!next || next.state !== 'queued' || Number(next.available_at) > now) return { row: undefined, expired };
      const taken = await db.query<Row>(
        `UPDATE queue_jobs SET state = 'running', attempts = attempts + 1, started_at = $2, lease_owner = $3, lease_until = $4
         WHERE seq = $1 RETURNING *`,
        [next.seq, now, request.worker, now + request.leaseMs],
      );
      return { row: taken.rows[0], expired };
    });
    this.observeExpired(request.queue, expired);
    return row ? toJob<P, R>(row) : undefined;
  }

  async extendLease(id: string, worker: string, leaseMs: number, now = this.clock.now()): Promise<boolean> {
    const res = await this.db.query(`UPDATE queue_jobs SET lease_until = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2`, [
      id,
      worker,
      now + leaseMs,
    ]);
    return res.rowCount === 1;
  }

  async complete<R>(id: string, worker: string, result?: R, now = this.clock.now()): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE queue_jobs SET state = 'done', result = $4::jsonb, finished_at = $3, error_code = NULL, error_detail = NULL, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND state = 'running' AND lease_owner = $2`,
      [id, worker, now, result === undefined ? null : JSON.stringify(result)],
    );
    return res.rowCount === 1;
  }

  async fail(id: string, worker: string, error: QueueError, retry: RetryRule, now = this.clock.now()): Promise<QueueJobState | undefined> {
    const outcome = await this.db.atomically(async (db) => {
      const { rows } = await db.query<Row>(`SELECT * FROM queue_jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2 FOR UPDATE`, [id, worker]);
      const row = rows[0];
      if (!row) return undefined;
      const { state, availableAt } = failureOutcome(
        retry,
        { attempts: row.attempts, maxAttempts: row.max_attempts, availableAt: Number(row.available_at) },
        now,
        this.random,
      );
      await db.query(
        `UPDATE queue_jobs SET state = $2, error_code = $3, error_detail = $4, finished_at = $5, available_at = $6, lease_owner = NULL, lease_until = NULL WHERE seq = $1`,
        [row.seq, state, error.code, error.detail, state === 'queued' ? null : now, availableAt],
      );
      return { state, queue: row.queue };
    });
    if (outcome?.state === 'queued') this.observer?.retried(outcome.queue);
    if (outcome?.state === 'dead') this.observer?.deadLettered(outcome.queue);
    return outcome?.state;
  }

  async release(id: string, worker?: string): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE queue_jobs SET state = 'queued', attempts = GREATEST(0, attempts - 1), lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR lease_owner = $2)`,
      [id, worker ?? null],
    );
    return res.rowCount === 1;
  }

  async releaseAll(queue: string, worker: string): Promise<number> {
    const res = await this.db.query(
      `UPDATE queue_jobs SET state = 'queued', attempts = GREATEST(0, attempts - 1), lease_owner = NULL, lease_until = NULL
       WHERE queue = $1 AND state = 'running' AND lease_owner = $2`,
      [queue, worker],
    );
    return res.rowCount ?? 0;
  }

  async expireLeases(queue: string, error: QueueError, opts: { now?: number; every?: boolean } = {}): Promise<number> {
    const now = opts.now ?? this.clock.now();
    const expired = await this.db.atomically((db) => this.expire(db, queue, now, error, opts.every === true));
    this.observeExpired(queue, expired);
    return expired.length;
  }

  async cancel(id: string, now = this.clock.now()): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE queue_jobs SET state = 'cancelled', finished_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1 AND state IN ('queued', 'running')`,
      [id, now],
    );
    return res.rowCount === 1;
  }

  async retry(id: string, now = this.clock.now(), opts: { keepAttempts?: boolean } = {}): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE queue_jobs SET state = 'queued', attempts = CASE WHEN $3 THEN attempts ELSE 0 END, error_code = NULL, error_detail = NULL,
         available_at = $2, started_at = NULL, finished_at = NULL
       WHERE id = $1 AND state IN ('failed', 'dead', 'cancelled')`,
      [id, now, opts.keepAttempts === true],
    );
    return res.rowCount === 1;
  }

  async nextWakeAt(queue: string): Promise<number | null> {
    const { rows } = await this.db.query<{ at: string | null }>(
      `SELECT LEAST(
         (SELECT MIN(available_at) FROM queue_jobs WHERE queue = $1 AND state = 'queued'),
         (SELECT MIN(lease_until) FROM queue_jobs WHERE queue = $1 AND state = 'running')) AS at`,
      [queue],
    );
    return toTime(rows[0]?.at ?? null);
  }

  /**
   * Resolves when work of the queue may have become claimable in any process sharing the server
   * (a job queued or put back, a group's head finished), or when `signal` aborts. May resolve
   * without new work (the first wait, a lost connection): the caller claims again, and still
   * times a retry's due time itself (nextWakeAt).
   */
  waitForWork(queue: string, signal: AbortSignal): Promise<void> {
    return this.wakeups.wait(queue, signal);
  }

  /** Stops listening (the pool is the caller's to end). */
  close(): void {
    this.wakeups.close();
  }

  async list<P = unknown, R = unknown>(query: ListQuery): Promise<QueueJob<P, R>[]> {
    const params: unknown[] = [query.queue];
    const where = ['queue = $1'];
    const states = query.state === undefined ? [] : typeof query.state === 'string' ? [query.state] : query.state;
    if (states.length > 0) {
      params.push(states);
      where.push(`state = ANY($${params.length}::text[])`);
    }
    for (const [field, value] of Object.entries(query.where ?? {})) {
      if (!FIELD.test(field)) throw new Error(`not a payload field name: ${field}`);
      // JSONB equality: a field matches a value of the same JSON type only (true is not 1).
      params.push(field, JSON.stringify(value));
      where.push(`payload -> $${params.length - 1}::text = $${params.length}::jsonb`);
    }
    params.push(query.limit, query.offset ?? 0);
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM queue_jobs WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map((row) => toJob<P, R>(row));
  }

  async counts(queue: string): Promise<Record<QueueJobState, number>> {
    const out = Object.fromEntries(QUEUE_JOB_STATES.map((s) => [s, 0])) as Record<QueueJobState, number>;
    const { rows } = await this.db.query<{ state: QueueJobState; n: number }>(
      'SELECT state, COUNT(*)::int AS n FROM queue_jobs WHERE queue = $1 GROUP BY state',
      [queue],
    );
    for (const row of rows) out[row.state] = row.n;
    return out;
  }

  async stats(queue: string, now = this.clock.now()): Promise<QueueStats> {
    const counts = await this.counts(queue);
    const { rows } = await this.db.query<{ at: string | null }>(`SELECT MIN(created_at) AS at FROM queue_jobs WHERE queue = $1 AND state = 'queued'`, [queue]);
    const oldest = toTime(rows[0]?.at ?? null);
    return { depth: counts.queued, inFlight: counts.running, deadLetters: counts.dead, oldestAgeMs: oldest === null ? 0 : Math.max(0, now - oldest) };
  }

  async queues(): Promise<string[]> {
    const { rows } = await this.db.query<{ queue: string }>('SELECT queue FROM queue_jobs GROUP BY queue ORDER BY queue COLLATE "C"');
    return rows.map((r) => r.queue);
  }

  async pruneDone(queue: string, before: number): Promise<number> {
    const res = await this.db.query(`DELETE FROM queue_jobs WHERE queue = $1 AND state = 'done' AND finished_at < $2`, [queue, before]);
    return res.rowCount ?? 0;
  }

  /** Ends the queue's leases that ran out (or all with `every`): queued again, or dead when out of attempts. */
  private async expire(db: Queryable, queue: string, now: number, error: QueueError, every: boolean): Promise<QueueJobState[]> {
    // Rows another transaction holds (being completed or failed right now) are skipped, not waited for.
    const { rows } = await db.query<{ state: QueueJobState }>(
      `UPDATE queue_jobs SET
         state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
         error_code = $3, error_detail = $4, lease_owner = NULL, lease_until = NULL,
         finished_at = CASE WHEN attempts >= max_attempts THEN $2::bigint ELSE NULL END,
         available_at = $2
       WHERE seq IN (SELECT seq FROM queue_jobs WHERE queue = $1 AND state = 'running' AND ($5 OR lease_until <= $2) FOR UPDATE SKIP LOCKED)
       RETURNING state`,
      [queue, now, error.code, error.detail, every],
    );
    return rows.map((r) => r.state);
  }

  private observeExpired(queue: string, states: readonly QueueJobState[]): void {
    if (states.length > 0) this.observer?.leaseExpired(queue, states.length);
    for (const state of states) if (state === 'dead') this.observer?.deadLettered(queue);
  }
}

function toTime(value: string | null): number | null {
  return value === null ? null : Number(value);
}

function toJob<P = unknown, R = unknown>(row: Row): QueueJob<P, R> {
  return {
    id: row.id,
    seq: Number(row.seq),
    queue: row.queue,
    key: row.key,
    payload: row.payload as P,
    priority: row.priority,
    group: row.grp,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    availableAt: Number(row.available_at),
    leaseOwner: row.lease_owner,
    leaseUntil: toTime(row.lease_until),
    error: row.error_code ? { code: row.error_code, detail: row.error_detail ?? '' } : null,
    result: (row.result ?? null) as R | null,
    createdAt: Number(row.created_at),
    startedAt: toTime(row.started_at),
    finishedAt: toTime(row.finished_at),
  };
}
