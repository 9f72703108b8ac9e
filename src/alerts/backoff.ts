import type { DeliveryConfig } from '../config/sections/alerts.js';
import { backoffDelay } from '../core/backoff.js';

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: the node's one formula
 * (src/core/backoff.ts) with alerts.delivery.backoff, jittered into [d/2, d] so that alerts
 * queued behind one outage do not all hit the destination at the same instant when it returns.
 */
export function retryDelay(attempt: number, backoff: DeliveryConfig['backoff'], random: () => number = Math.random): number {
  return backoffDelay(attempt, { ...backoff, jitter: 'half' }, random);
}
