import type pg from 'pg';
import { QUEUE_NOTIFY_CHANNEL } from './postgres-migrations.js';

/**
 * LISTEN on the queue's channel for one process: a dedicated connection (taken from the pool and
 * never given back to it) on which PostgreSQL delivers the notifications the queue_jobs trigger
 * sends at commit, from any process sharing the server.
 *
 * No wake-up is lost between a claimer's empty claim and its wait: a notification with nobody
 * waiting for its queue is kept (one flag per queue) and the next wait returns at once. Until the
 * connection listens (the first wait, or after it was lost) a wait returns at once too: work may
 * have come while nobody listened, so the claimer looks again. A spurious wake costs one claim.
 */
export class PostgresWakeups {
  private client: pg.PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly pending = new Set<string>();
  /** Queues someone waited for: only their notifications are kept for later. */
  private readonly watched = new Set<string>();
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  async wait(queue: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.closed) return;
    this.watched.add(queue);
    if (!this.client) return this.listen();
    if (this.pending.delete(queue)) return;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(queue) ?? new Set<() => void>();
      this.waiters.set(queue, set);
      const done = (): void => {
        set.delete(done);
        if (set.size === 0) this.waiters.delete(queue);
        signal.removeEventListener('abort', done);
        resolve();
      };
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Gives the listening connection up (the pool then closes it) and wakes every waiter. */
  close(): void {
    this.closed = true;
    this.drop(undefined);
  }

  private listen(): Promise<void> {
    this.connecting ??= (async () => {
      const client = await this.pool.connect();
      client.on('notification', (msg) => {
        if (msg.channel === QUEUE_NOTIFY_CHANNEL && msg.payload !== undefined) this.notified(msg.payload);
      });
      // A lost connection (the server restarted, a network cut): waiters look again, the next wait listens anew.
      client.on('error', (err) => this.drop(err));
      client.on('end', () => this.drop(new Error('the listening connection ended')));
      try {
        await client.query(`LISTEN ${QUEUE_NOTIFY_CHANNEL}`);
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
      if (this.closed) client.release(true);
      else this.client = client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private notified(queue: string): void {
    if (this.watched.has(queue)) this.pending.add(queue);
    const set = this.waiters.get(queue);
    if (set && set.size > 0) {
      // The waiters take this wake-up; the flag stays for a claimer of this process not yet waiting.
      for (const done of [...set]) done();
    }
  }

  private drop(err: Error | undefined): void {
    const client = this.client;
    this.client = undefined;
    this.pending.clear();
    if (client) {
      client.removeAllListeners('notification');
      client.release(err ?? true);
    }
    for (const set of [...this.waiters.values()]) for (const done of [...set]) done();
  }
}
