import type { EventBus } from '../events/bus.js';
import type { Metrics } from '../metrics/metrics.js';
import type { LearnedSender } from './sender-history.js';

/**
 * Series completed, by how the tracker knew (mpps, counts, quiet, single-image, idle) and
 * whether it was a reopened series; and what it learned per sender, by modality (AE titles and
 * station names are in GET /completeness/senders, never in labels).
 */
export function seriesMetrics(metrics: Metrics, bus: EventBus, history: { list(): LearnedSender[] }): void {
  const stable = metrics.counter({
    name: 'vigil_series_stable_total',
    help: 'series-stable events, by reason and by first or later version',
    labelNames: ['reason', 'version'] as const,
  });
  bus.on('series-stable', (event) => stable.inc({ reason: event.reason, version: event.version === 1 ? 'first' : 'later' }));

  const byModality = (): Map<string, LearnedSender[]> => {
    const out = new Map<string, LearnedSender[]>();
    for (const sender of history.list()) out.set(sender.key.modality, [...(out.get(sender.key.modality) ?? []), sender]);
    return out;
  };
  metrics.gauge({
    name: 'vigil_series_learned_senders',
    help: 'Senders whose series complete after a learned quiet time (or at once, for single images), by modality',
    labelNames: ['modality'] as const,
    collect() {
      this.reset();
      for (const [modality, senders] of byModality()) {
        this.set({ modality }, senders.filter((s) => s.quietMs !== null || s.singleImageAtOnce).length);
      }
    },
  });
  metrics.gauge({
    name: 'vigil_series_learned_quiet_seconds_max',
    help: 'The longest learned quiet time among the senders of a modality, seconds',
    labelNames: ['modality'] as const,
    collect() {
      this.reset();
      for (const [modality, senders] of byModality()) {
        const quiet = senders.map((s) => s.quietMs).filter((q): q is number => q !== null);
        if (quiet.length > 0) this.set({ modality }, Math.max(...quiet) / 1000);
      }
    },
  });
}
