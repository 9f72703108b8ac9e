import type { DeliveryConfig } from '../config/sections/alerts.js';

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: exponential from `initialMs`,
 * capped at `maxMs`, then jittered into [d/2, d] so that alerts queued behind one outage do
 * not all hit the destination at the same instant when it returns.
 */
export function retryDelay(attempt: number, backoff: DeliveryConfig['backoff'], random: () => number = Math.random): number {
  const exp = backoff.initialMs * backoff.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(backoff.maxMs, exp);
  return Math.round(capped / 2 + random() * (capped / 2));
}
