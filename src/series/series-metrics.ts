import type { EventBus } from '../events/bus.js';
import type { Metrics } from '../metrics/metrics.js';

/** Series completed, by how the tracker knew (mpps, counts, idle) and whether it was a reopened series. */
export function seriesMetrics(metrics: Metrics, bus: EventBus): void {
  const stable = metrics.counter({
    name: 'vigil_series_stable_total',
    help: 'series-stable events, by reason and by first or later version',
    labelNames: ['reason', 'version'] as const,
  });
  bus.on('series-stable', (event) => stable.inc({ reason: event.reason, version: event.version === 1 ? 'first' : 'later' }));
}
