/**
 * The node's one back-off formula. Every retry schedule (the durable job queue, alert and
 * operational deliveries, plugin queues, triage, writes the index refused, the API's failed
 * token checks) computes its delay here, so one policy reads the same everywhere.
 */
export interface BackoffPolicy {
  /** The delay after the first failure. */
  initialMs: number;
  /** Each further failure multiplies the delay by this (2: doubling). */
  factor: number;
  /** No delay is longer than this. */
  maxMs: number;
  /**
   * 'none': the delay exactly. 'half': drawn in [d/2, d], so that work queued behind one outage
   * does not all hit the peer at the same instant when it returns.
   */
  jitter?: 'none' | 'half';
}

/**
 * The delay before attempt `failures + 1` after `failures` failures in a row (1 for the first):
 * initialMs × factor^(failures − 1), capped at maxMs, then jittered as the policy says.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = policy.initialMs * policy.factor ** Math.max(0, failures - 1);
  // factor^n overflows to Infinity for a long outage; min() keeps it at the cap.
  const capped = Math.min(policy.maxMs, Number.isFinite(exp) ? exp : policy.maxMs);
  if ((policy.jitter ?? 'none') === 'none') return capped;
  return Math.round(capped / 2 + random() * (capped / 2));
}

/**
 * A write to the index failed (a full disk, say) in a part's own loop: 1 s, doubling with each
 * failure in a row, up to 60 s.
 */
export const INDEX_RETRY: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 60_000 };
