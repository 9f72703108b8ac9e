import type { Clock } from '../../src/alerts/clock.js';

/**
 * A clock that moves only when the test says so. `advance` wakes every sleeper whose time
 * has come and lets the woken code run, so backoff and escalation are tested without waiting.
 */
export class ManualClock implements Clock {
  private sleepers: { at: number; resolve(): void }[] = [];

  constructor(private current = Date.UTC(2025, 0, 15, 8, 0, 0)) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper = { at: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking sleepers due by then. */
  async advance(ms: number): Promise<void> {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    due.forEach((s) => s.resolve());
    await settle();
  }

  /** How many sleepers wait (a worker idles in one). */
  get waiting(): number {
    return this.sleepers.length;
  }

  /** When the earliest sleeper wakes, relative to now. */
  nextWakeIn(): number | undefined {
    const next = Math.min(...this.sleepers.map((s) => s.at));
    return Number.isFinite(next) ? next - this.current : undefined;
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Polls `check` until it holds (tests of real sockets); fails with `what` after `limitMs`. */
export async function eventually<T>(check: () => T | undefined | false, what: string, limitMs = 10_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`still waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
