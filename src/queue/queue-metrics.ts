import type { Metrics } from '../metrics/metrics.js';
import type { QueueObserver, QueueStats } from './job-queue.js';

/**
 * The job queue on /metrics, one label value per queue name (a small closed set: triage, one per
 * plugin queue, rule forwards, alerts, operational):
 * depth, in flight, dead letters and the age of the oldest queued job read at each scrape;
 * retries, dead letters and expired leases counted as they happen (since the process started).
 */
export function queueMetrics(
  metrics: Metrics,
  // Synchronous (SQLite) or over a connection (PostgreSQL): a scrape awaits either.
  live: { queues(): readonly string[] | Promise<readonly string[]>; stats(queue: string): QueueStats | Promise<QueueStats> },
): QueueObserver {
  const gauge = (name: string, help: string, pick: (s: QueueStats) => number): void => {
    metrics.gauge({
      name,
      help,
      labelNames: ['queue'] as const,
      async collect() {
        for (const queue of await live.queues()) this.set({ queue }, pick(await live.stats(queue)));
      },
    });
  };
  gauge('vigil_queue_depth', 'Jobs waiting in the durable queue (due or waiting for a retry), by queue', (s) => s.depth);
  gauge('vigil_queue_in_flight', 'Jobs of the durable queue held by a worker, by queue', (s) => s.inFlight);
  gauge('vigil_queue_dead_letters', 'Jobs of the durable queue that used up their attempts, by queue', (s) => s.deadLetters);
  gauge('vigil_queue_oldest_age_seconds', 'How long the oldest waiting job has been in the queue, by queue', (s) => s.oldestAgeMs / 1000);
  const retries = metrics.counter({
    name: 'vigil_queue_retries_total',
    help: 'Failed attempts queued again for a retry, by queue',
    labelNames: ['queue'] as const,
  });
  const dead = metrics.counter({ name: 'vigil_queue_dead_letters_total', help: 'Jobs that became dead letters, by queue', labelNames: ['queue'] as const });
  const expired = metrics.counter({
    name: 'vigil_queue_leases_expired_total',
    help: 'Leases that ran out and were taken back, by queue',
    labelNames: ['queue'] as const,
  });
  return {
    retried: (queue) => retries.inc({ queue }),
    deadLettered: (queue) => dead.inc({ queue }),
    leaseExpired: (queue, jobs) => expired.inc({ queue }, jobs),
  };
}
