import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import type { Leadership } from './leadership.js';

/** A scheduled part of the node (retention, model monitoring, escalation): its schedule starts and stops. */
export interface ScheduledDuty {
  name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `duty`'s schedule only while this process leads the cluster: started at each gain,
 * stopped at each loss. The stop begins in the same turn the loss is heard, so no new run
 * starts here once another process may lead; a run already under way finishes (the duties'
 * runs are idempotent transactions, so one overlapping the new leader's first run repeats
 * nothing). Starts and stops are chained, never concurrent. `stop()` stops the duty for good.
 */
export function whileLeading(leadership: Leadership, duty: ScheduledDuty, log: Logger): { stop(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let running = false;
  let ended = false;
  const step = (what: 'start' | 'stop', fn: () => void | Promise<void>): void => {
    chain = chain.then(async () => {
      try {
        await fn();
      } catch (err) {
        log.error('scheduled duty failed to change state with the leadership', { duty: duty.name, step: what, error: describeError(err) });
      }
    });
  };
  const offGained = leadership.onGained(() => {
    if (ended || running) return;
    running = true;
    step('start', () => duty.start());
  });
  const offLost = leadership.onLost(() => {
    if (!running) return;
    running = false;
    step('stop', () => duty.stop());
  });
  return {
    async stop() {
      ended = true;
      offGained();
      offLost();
      if (running) {
        running = false;
        step('stop', () => duty.stop());
      }
      await chain;
    },
  };
}
