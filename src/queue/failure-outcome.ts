import { backoffDelay } from '../core/backoff.js';
import type { QueueJobState, RetryRule } from './job-queue.js';

/**
 * What a failed attempt makes of a job, whatever the backend: `failed` at once when no retry is
 * allowed (bad input), `dead` when the caller gives up or the attempts are spent, else `queued`
 * again at the rule's time (an explicit one, or the back-off after `attempts` failures). A job
 * that will not run again keeps the time it was due.
 */
export function failureOutcome(
  retry: RetryRule,
  job: { attempts: number; maxAttempts: number; availableAt: number },
  now: number,
  random: () => number,
): { state: QueueJobState; availableAt: number } {
  if (retry === null) return { state: 'failed', availableAt: job.availableAt };
  if (retry === 'give-up' || job.attempts >= job.maxAttempts) return { state: 'dead', availableAt: job.availableAt };
  return { state: 'queued', availableAt: 'at' in retry ? retry.at : now + backoffDelay(job.attempts, retry, random) };
}
