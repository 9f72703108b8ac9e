import { sleep, type Clock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import pg from 'pg';
import { PostgresWakeups } from './postgres-wakeups.js';

/**
 * Wakes this node's workers when any node sharing the PostgreSQL index makes work claimable:
 * one wait per queue on a LISTEN connection (PostgresWakeups), and `wake(queue)` each time
 * it returns. A wait also returns when the connection is (re)made or lost, so a worker looks
 * again whenever a notification may have been missed; a lost server is retried every second.
 * `queues()` is read at each round: plugin queues may come later.
 */
export function followQueueNotifications(opts: {
  /** The index's server (storage.database.url): one connection of its own, for LISTEN. */
  url: string;
  queues: () => string[];
  wake: (queue: string) => void;
  clock: Clock;
  log: Logger;
}): { stop(): void } {
  const pool = new pg.Pool({ connectionString: opts.url, max: 1 });
  // A dropped connection is PostgresWakeups' to notice and say; it must not end the process.
  pool.on('error', () => undefined);
  const wakeups = new PostgresWakeups(pool);
  const stopping = new AbortController();
  const following = new Set<string>();
  const follow = async (queue: string): Promise<void> => {
    // Work queued before this queue was followed would otherwise wait for the next notification.
    opts.wake(queue);
    let failing = false;
    while (!stopping.signal.aborted) {
      try {
        await wakeups.wait(queue, stopping.signal);
        failing = false;
      } catch (err) {
        // Said once per outage, not every second.
        if (!failing)
          opts.log.warn('queue notifications unavailable: workers look again every second until the server answers', { queue, error: describeError(err) });
        failing = true;
        await sleep(opts.clock, 1_000, stopping.signal);
      }
      if (!stopping.signal.aborted) opts.wake(queue);
    }
  };
  const refresh = (): void => {
    for (const queue of opts.queues()) {
      if (following.has(queue)) continue;
      following.add(queue);
      void follow(queue);
    }
  };
  refresh();
  const timer = setInterval(refresh, 5_000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      stopping.abort();
      wakeups.close();
      void pool.end().catch(() => undefined);
    },
  };
}
