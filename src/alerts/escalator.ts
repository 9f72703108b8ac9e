import cron, { type ScheduledTask } from 'node-cron';
import type { EscalationConfig } from '../config/sections/alerts.js';
import type { Logger } from '../log/logger.js';
import type { AlertStore } from './alert-store.js';
import type { Clock } from '../core/clock.js';
import type { AlertMetrics } from './metrics.js';
import type { Outbox } from './outbox.js';
import { describeError } from '../log/describe-error.js';

/** Alerts escalated per run at most; the next run takes the rest. */
const BATCH = 200;

/**
 * Escalates critical alerts nobody acknowledged in time, on a node-cron schedule. The work is
 * in runOnce(now), which tests call with a manual clock; each escalation is one transaction
 * in the outbox (deliveries, next level, /changes entry).
 */
export class Escalator {
  private task: ScheduledTask | undefined;

  constructor(
    private readonly config: EscalationConfig,
    private readonly alerts: AlertStore,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly metrics: AlertMetrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.config.levels.length === 0) return;
    this.task = cron.schedule(this.config.schedule, () => this.runOnce(), { name: 'alert-escalation', noOverlap: true });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
  }

  /** Escalates every alert due at `now`; returns how many were escalated. */
  runOnce(now = this.clock.now()): number {
    let count = 0;
    for (const alert of this.alerts.dueForEscalation(now, BATCH)) {
      try {
        const done = this.outbox.escalate(alert.id, now);
        if (!done) continue;
        count++;
        this.metrics.escalations.inc({ level: String(done.level) });
        this.log.warn('critical alert escalated: not acknowledged in time', { alertId: alert.id, level: done.level, deliveries: done.deliveries.length });
      } catch (err) {
        this.log.error('alert escalation failed', { alertId: alert.id, error: describeError(err) });
      }
    }
    return count;
  }
}
