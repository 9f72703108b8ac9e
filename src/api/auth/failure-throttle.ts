import type { ThrottleConfig } from '../../config/sections/auth.js';
import { backoffDelay } from '../../core/backoff.js';

export type ThrottleVerdict = { kind: 'pass' } | { kind: 'blocked'; retryAfterSeconds: number };

interface Window {
  start: number;
  failures: number;
}

const BASE_DELAY_MS = 250;
const MAX_ADDRESSES = 10_000;

/**
 * Slows down token guessing per client address: a fixed window per address counts failed
 * checks; past `delayAfter` each failure is answered later, past `blockAfter` the address is
 * refused outright until its window ends. In memory: a restart forgets, which is acceptable
 * for slowing down, not for a ban list.
 *
 * A check that needs a hash is counted as a failure before its verdict, and forgiven if the
 * token checks out: parallel guesses see each other's count, so the 21st of 50 at once is
 * refused rather than all 50 hashed.
 */
export class FailureThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly config: ThrottleConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called before a token is checked, so a blocked address costs us no hashing. */
  check(address: string): ThrottleVerdict {
    const window = this.current(address);
    if (!window || window.failures < this.config.blockAfter) return { kind: 'pass' };
    const endsIn = window.start + this.config.windowSeconds * 1000 - this.now();
    return { kind: 'blocked', retryAfterSeconds: Math.max(1, Math.ceil(endsIn / 1000)) };
  }

  /** Records a failure; returns how long to hold the answer back, in ms. */
  failed(address: string): number {
    const window = this.current(address) ?? this.open(address);
    window.failures += 1;
    const over = window.failures - this.config.delayAfter;
    if (over <= 0) return 0;
    return backoffDelay(over, { initialMs: BASE_DELAY_MS, factor: 2, maxMs: this.config.maxDelayMs });
  }

  /** Takes back a failure counted before its verdict, when the token checked out after all. */
  forgive(address: string): void {
    const window = this.current(address);
    if (window && window.failures > 0) window.failures -= 1;
  }

  failures(address: string): number {
    return this.current(address)?.failures ?? 0;
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.start >= this.config.windowSeconds * 1000) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private open(address: string): Window {
    if (this.windows.size >= MAX_ADDRESSES) this.prune();
    const window = { start: this.now(), failures: 0 };
    this.windows.set(address, window);
    return window;
  }

  /** Drops ended windows, then the oldest ones, so a spray of addresses cannot grow the map. */
  private prune(): void {
    for (const address of [...this.windows.keys()]) this.current(address);
    for (const address of this.windows.keys()) {
      if (this.windows.size < MAX_ADDRESSES) break;
      this.windows.delete(address);
    }
  }
}
