import type { DeliveryConfig } from '../config/sections/alerts.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One per destination. After `failureThreshold` consecutive failures that say the destination
 * is down (not a rejected message), the destination is left alone for `cooldownMs`; then one
 * attempt is let through (half-open), which closes the breaker or opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  /** The code of the failure that opened it last, for the API. */
  lastCode: string | null = null;

  constructor(private readonly config: DeliveryConfig['breaker']) {}

  state(now: number): BreakerState {
    if (this.openedAt === null) return 'closed';
    return now - this.openedAt >= this.config.cooldownMs ? 'half-open' : 'open';
  }

  /** How long to wait before the next attempt may go (0 when it may go now). */
  waitMs(now: number): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.openedAt + this.config.cooldownMs - now);
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
  }

  failure(now: number, code: string): void {
    this.failures++;
    this.lastCode = code;
    // A failed half-open attempt opens it again at once.
    if (this.openedAt !== null || this.failures >= this.config.failureThreshold) this.openedAt = now;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
