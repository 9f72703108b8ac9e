import type { DestinationConfig } from '../config/sections/alerts.js';
import type { DestinationRegistry } from './destinations.js';
import { DestinationWorker, type WorkerDeps } from './destination-worker.js';
import type { Outbox } from './outbox.js';

export interface DestinationStatus {
  id: string;
  breaker: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  lastFailure: { code: string; message: string; at: string } | null;
}

/**
 * One worker per destination, started and stopped with the node and re-made when a
 * destination changes over the API. New outbox rows wake the workers they concern.
 */
export class AlertSender {
  private readonly workers = new Map<string, DestinationWorker>();
  private unsubscribe: (() => void)[] = [];
  private running = false;
  /** Re-syncs run one after the other, so an old worker is stopped before its successor starts. */
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly destinations: DestinationRegistry,
    private readonly outbox: Outbox,
    private readonly deps: WorkerDeps,
  ) {}

  start(): void {
    this.running = true;
    this.unsubscribe = [
      this.outbox.observe({ work: (ids) => ids.forEach((id) => this.workers.get(id)?.wake()) }),
      this.destinations.onChange(() => {
        this.syncing = this.syncing.then(() => this.sync());
      }),
    ];
    for (const { config } of this.destinations.all()) this.startWorker(config);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe.forEach((u) => u());
    await this.syncing;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
  }

  /** Every destination worker looks at its outbox now (work queued by another process). */
  wakeAll(): void {
    for (const worker of this.workers.values()) worker.wake();
  }

  status(id: string): DestinationStatus | undefined {
    const w = this.workers.get(id);
    if (!w) return undefined;
    const now = this.deps.clock.now();
    return {
      id,
      breaker: w.breaker.state(now),
      consecutiveFailures: w.breaker.consecutiveFailures,
      lastFailure: w.lastFailure ? { ...w.lastFailure, at: new Date(w.lastFailure.at).toISOString() } : null,
    };
  }

  breakerOpen(): Map<string, boolean> {
    const now = this.deps.clock.now();
    return new Map([...this.workers].map(([id, w]) => [id, w.breaker.state(now) === 'open']));
  }

  /** Brings workers in line with the registry: new ones started, removed or changed ones re-made. */
  private async sync(): Promise<void> {
    if (!this.running) return;
    const wanted = new Map(this.destinations.all().map((d) => [d.config.id, d.config]));
    for (const [id, worker] of this.workers) {
      const next = wanted.get(id);
      if (next && JSON.stringify(next) === JSON.stringify(worker.dest)) continue;
      this.workers.delete(id);
      await worker.stop();
    }
    for (const [id, config] of wanted) if (!this.workers.has(id) && this.running) this.startWorker(config);
  }

  private startWorker(dest: DestinationConfig): void {
    const worker = new DestinationWorker(dest, { ...this.deps, log: this.deps.log.child({ destination: dest.id }) });
    this.workers.set(dest.id, worker);
    worker.start();
  }
}
