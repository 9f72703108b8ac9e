import type { Clock } from '../core/clock.js';
import { sleep } from '../core/clock.js';
import type { ClaimRequest, JobQueue, QueueJob } from './job-queue.js';

/**
 * A worker's wait for its next job: claims, and when there is nothing to take waits until the
 * queue's next due time (a retry's delay, a lease running out: nextWakeAt), a wake-up from the
 * backend (waitForWork: on PostgreSQL a job enqueued or put back by any process), or at most
 * `pollMs` (the backstop for a backend without wake-ups, or a lost notification connection).
 * Undefined once `signal` aborts.
 */
export async function claimNext<P = unknown, R = unknown>(
  queue: JobQueue,
  request: Omit<ClaimRequest, 'now'>,
  opts: { clock: Clock; signal: AbortSignal; pollMs: number },
): Promise<QueueJob<P, R> | undefined> {
  while (!opts.signal.aborted) {
    const job = await queue.claim<P, R>({ ...request, now: opts.clock.now() });
    if (job) return job;
    const wakeAt = await queue.nextWakeAt(request.queue);
    const delay = wakeAt === null ? opts.pollMs : Math.min(opts.pollMs, Math.max(0, wakeAt - opts.clock.now()));
    // One wait, ended by whichever comes first; the other is then called off.
    const done = new AbortController();
    const end = (): void => done.abort();
    opts.signal.addEventListener('abort', end, { once: true });
    try {
      await Promise.race([sleep(opts.clock, delay, done.signal), ...(queue.waitForWork ? [queue.waitForWork(request.queue, done.signal)] : [])]);
    } finally {
      done.abort();
      opts.signal.removeEventListener('abort', end);
    }
  }
  return undefined;
}
