import type pg from 'pg';
import { backoffDelay, type BackoffPolicy } from '../core/backoff.js';
import { systemClock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import { closeQuietly, dedicatedClient, type ClusterDatabase } from './connection.js';
import { LeadershipTerms, type Leadership, type LeadershipLossReason } from './leadership.js';

/**
 * The advisory lock whose holder leads, in the two-key form pg_locks shows as classid/objid:
 * 0x56494749 ('VIGI') keeps Vigil's keys apart from another application's on a shared server.
 *
 * One key for every scheduled duty, not one per duty: the duties are light (a sweep, a nightly
 * report), so spreading them over nodes gains nothing, while one leader means one session to
 * watch, one place to look ("which node leads?" is one row of pg_locks) and one failover to
 * reason about. A duty that grows heavy enough to need its own leader can take its own objid.
 */
export const LEADERSHIP_LOCK = { classid: 0x56494749, objid: 1 } as const;

export interface PostgresLeadershipOptions {
  log: Logger;
  /** Names the session in pg_stat_activity (`vigil leadership <name>`): the node's id. */
  name: string;
  /** A follower tries the lock this often (default 5 s). */
  retryMs?: number;
  /**
   * The leader checks this often that its session still holds the lock, and a query (the check,
   * a try) that takes longer than this is taken as a dead connection (default 2 s). Keep it
   * below retryMs: a leader whose session the server ended without telling it (a silent network
   * cut) then steps down before a follower's next try could succeed.
   */
  checkMs?: number;
  random?: () => number;
}

/**
 * Leadership by a session-level `pg_try_advisory_lock` on a dedicated connection. The leader
 * holds the lock as long as its session lives; the others try again every retryMs. When the
 * session ends the server releases the lock, and this process learns it from its socket (the
 * server's FATAL message, or the close) and stops its duties at once, in the same event-loop
 * turn, before a follower's next try; a check every checkMs covers a session that ended without
 * a word. Every step-down ends the session, so the lock is never held by a process that does
 * not lead. A lost connection is reopened with back-off (retryMs doubling to a minute).
 */
export class PostgresLeadership implements Leadership {
  private readonly terms: LeadershipTerms;
  private readonly retryMs: number;
  private readonly checkMs: number;
  private readonly reconnect: BackoffPolicy;
  private client: pg.Client | undefined;
  private cancelTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private started = false;
  private stopped = false;

  constructor(
    private readonly database: ClusterDatabase,
    private readonly opts: PostgresLeadershipOptions,
  ) {
    this.terms = new LeadershipTerms(opts.log);
    this.retryMs = opts.retryMs ?? 5000;
    this.checkMs = opts.checkMs ?? 2000;
    this.reconnect = { initialMs: this.retryMs, factor: 2, maxMs: Math.max(this.retryMs, 60_000), jitter: 'half' };
  }

  isLeader(): boolean {
    return this.terms.leading;
  }

  onGained(fn: (term: AbortSignal) => void): () => void {
    return this.terms.onGained(fn);
  }

  onLost(fn: (reason: LeadershipLossReason) => void): () => void {
    return this.terms.onLost(fn);
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.running;
    // Duties stop before the lock goes: the next leader never overlaps with this one.
    this.terms.lose('stopped');
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LEADERSHIP_LOCK.classid, LEADERSHIP_LOCK.objid]);
    } catch {
      // Ending the session below releases it anyway.
    }
    await closeQuietly(client);
  }

  private schedule(ms: number): void {
    this.cancelTimer = systemClock.setTimer(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms);
  }

  /** One step: connect if needed, then try the lock (follower) or check it is still held (leader). */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    let next: number;
    try {
      const client = this.client ?? (await this.connect());
      if (this.terms.leading) await this.check(client);
      else await this.tryLock(client);
      this.failures = 0;
      next = this.terms.leading ? this.checkMs : this.retryMs;
    } catch (err) {
      this.failures++;
      if (isLockMissing(err)) {
        this.opts.log.warn('cluster leadership: the session no longer holds the lock, competing again on a new one');
      } else if (this.failures === 1 || this.failures % 10 === 0) {
        // The first failure of a run in the log, then one in ten: an outage is not a flood.
        this.opts.log.warn('cluster leadership: the database cannot be reached, trying again', { failures: this.failures, error: describeError(err) });
      }
      this.stepDown(this.client, isLockMissing(err) ? 'lock-missing' : 'connection-lost');
      next = backoffDelay(this.failures, this.reconnect, this.opts.random);
    }
    if (!this.stopped) this.schedule(next);
  }

  private async connect(): Promise<pg.Client> {
    const client = dedicatedClient(this.database, `vigil leadership ${this.opts.name}`, Math.max(this.checkMs, 5000));
    // A session that ends, however it ends, ends this leadership at once.
    client.on('error', () => this.stepDown(client, 'connection-lost'));
    client.on('end', () => this.stepDown(client, 'connection-lost'));
    this.client = client;
    await client.connect();
    return client;
  }

  private async tryLock(client: pg.Client): Promise<void> {
    const { rows } = await this.query<{ held: boolean }>(client, 'SELECT pg_try_advisory_lock($1, $2) AS held', [
      LEADERSHIP_LOCK.classid,
      LEADERSHIP_LOCK.objid,
    ]);
    // stop() waits for this step; a lock taken while it was called is released by stop().
    if (rows[0]?.held === true && client === this.client && !this.stopped) this.terms.gain();
  }

  private async check(client: pg.Client): Promise<void> {
    const { rows } = await this.query(
      client,
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
         AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted`,
      [LEADERSHIP_LOCK.classid, LEADERSHIP_LOCK.objid],
    );
    if (rows.length === 0) throw new LockMissing();
  }

  /** A query bounded by checkMs: a connection that does not answer is as good as lost. */
  private query<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return client.query<R>({ text, values, query_timeout: this.checkMs } as pg.QueryConfig);
  }

  /** Leaves the leadership (when `client` is the current session) and ends the session. */
  private stepDown(client: pg.Client | undefined, reason: LeadershipLossReason): void {
    if (!client || client !== this.client) return;
    this.client = undefined;
    this.terms.lose(reason);
    void closeQuietly(client);
  }
}

class LockMissing extends Error {
  constructor() {
    super('the leadership session no longer holds its advisory lock');
  }
}

function isLockMissing(err: unknown): boolean {
  return err instanceof LockMissing;
}
