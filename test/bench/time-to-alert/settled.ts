import type { ChangeFeed } from '../../../src/store/changes.js';

/** How a study's path ended, as far as the benchmark waits for it. */
export type Settlement = 'alerted' | 'negative' | 'timed-out';

/**
 * Follows the node's change feed (in this process, so following it costs the node a cheap
 * query every few ms rather than an HTTP request) and says when a series has gone all the way:
 * a negative finding, or an alert every destination of which was delivered or dead-lettered.
 */
export class SettleWatcher {
  private cursor = 0;
  private readonly findingOfSeries = new Map<string, { id: string; positive: boolean }>();
  private readonly alertOfFinding = new Map<string, { id: string; destinations: string[] }>();
  private readonly closedByAlert = new Map<string, Set<string>>();

  constructor(private readonly changes: ChangeFeed) {
    this.cursor = changes.last();
  }

  async settled(seriesId: string, boundMs: number): Promise<Settlement> {
    const until = Date.now() + boundMs;
    for (;;) {
      this.read();
      const state = this.stateOf(seriesId);
      if (state) return state;
      if (Date.now() > until) return 'timed-out';
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private stateOf(seriesId: string): Settlement | undefined {
    const finding = this.findingOfSeries.get(seriesId);
    if (!finding) return undefined;
    if (!finding.positive) return 'negative';
    const alert = this.alertOfFinding.get(finding.id);
    if (!alert) return undefined;
    const closed = this.closedByAlert.get(alert.id) ?? new Set();
    return alert.destinations.every((d) => closed.has(d)) ? 'alerted' : undefined;
  }

  private read(): void {
    for (;;) {
      const page = this.changes.list(this.cursor, 500);
      for (const c of page.changes) {
        const data = c.data ?? {};
        // A study settles on its final result; a preliminary one (an early run) comes first, if at all.
        if (c.type === 'finding' && data.preliminary !== true)
          this.findingOfSeries.set(String(data.seriesId), { id: c.resourceId, positive: data.positive === true });
        if (c.type === 'alert-created') this.alertOfFinding.set(String(data.findingId), { id: c.resourceId, destinations: data.destinations as string[] });
        if (c.type === 'alert-delivered' || c.type === 'alert-dead-lettered') {
          const closed = this.closedByAlert.get(c.resourceId) ?? new Set<string>();
          closed.add(String(data.destination));
          this.closedByAlert.set(c.resourceId, closed);
        }
      }
      this.cursor = page.last;
      if (page.done) return;
    }
  }
}
