import type { DeliveryConfig, DestinationConfig } from '../config/sections/alerts.js';
import { isVigilError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { Db } from '../db/database.js';
import type { AlertStore } from './alert-store.js';
import { retryDelay } from './backoff.js';
import { backoffDelay, INDEX_RETRY } from '../core/backoff.js';
import { peerTextOf, type ChannelHandler } from './channels/channel.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { sleep, type Clock } from '../core/clock.js';
import { loadContext } from './context.js';
import type { DeliveryStore } from './delivery-store.js';
import { failurePolicy } from './failure-policy.js';
import type { AlertMetrics } from './metrics.js';
import type { Delivery } from './model.js';
import type { Outbox } from './outbox.js';
import { describeError } from '../log/describe-error.js';

/** A head the queue would not hand over (held elsewhere): look again after this. */
const NOT_ITS_TURN_MS = 1000;

/** With nothing pending, look again this often even if nobody wakes us (a safety net). */
const IDLE_POLL_MS = 60_000;

export interface WorkerDeps {
  db: Db;
  index: DicomIndex;
  alerts: AlertStore;
  deliveries: DeliveryStore;
  outbox: Outbox;
  clock: Clock;
  config: DeliveryConfig;
  metrics: AlertMetrics;
  log: Logger;
  random: () => number;
  createChannel(dest: DestinationConfig): ChannelHandler;
}

/**
 * Sends one destination's deliveries, strictly in outbox order: the oldest pending delivery
 * is the only one tried, so an alert never overtakes an earlier one. A failure schedules a
 * retry of that same delivery with backoff, or dead-letters it (and the next one moves up).
 * Nothing here is held only in memory: attempts, steps and outcomes are in the index.
 */
export class DestinationWorker {
  readonly breaker: CircuitBreaker;
  private channel: ChannelHandler | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly stopController = new AbortController();
  private sleepController: AbortController | undefined;
  private wakePending = false;
  /** The last failure, for GET /alerts/destinations: code and our own words. */
  lastFailure: { code: string; message: string; at: number } | null = null;

  constructor(
    readonly dest: DestinationConfig,
    private readonly deps: WorkerDeps,
  ) {
    this.breaker = new CircuitBreaker(deps.config.breaker);
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      this.deps.log.error('alert worker stopped on an unexpected error', { destination: this.dest.id, error: describeError(err) });
    });
  }

  /** New work may be there: look now rather than at the end of the current wait. */
  wake(): void {
    this.wakePending = true;
    this.sleepController?.abort();
  }

  /** Stops after aborting the attempt in flight (it stays pending and is resent at start). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopController.abort(new Error('the alert sender is stopping'));
    this.wake();
    await this.loop;
    await this.channel?.close();
  }

  private async run(): Promise<void> {
    const { deliveries, clock } = this.deps;
    let indexFailures = 0;
    while (!this.stopping) {
      this.wakePending = false;
      try {
        const head = deliveries.head(this.dest.id);
        if (!head) {
          await this.idle(IDLE_POLL_MS);
          continue;
        }
        const now = clock.now();
        const wait = Math.max(head.nextAttemptAt - now, this.breaker.waitMs(now));
        if (wait > 0) {
          await this.idle(wait);
          continue;
        }
        await this.attempt(head);
        indexFailures = 0;
      } catch (err) {
        // The index refused a write (a full disk): the delivery is still pending there. Stopping
        // the worker would leave every later alert of this destination unsent until a restart;
        // retrying at once would resend in a loop. Wait, longer each time, then go on (a resend
        // carries the same idempotency key).
        indexFailures++;
        const retryInMs = backoffDelay(indexFailures, INDEX_RETRY);
        this.deps.log.error('alert worker could not record a delivery in the index: retrying later', {
          destination: this.dest.id,
          error: (err as Error).message,
          retryInMs,
        });
        this.wakePending = false;
        await sleep(clock, retryInMs, this.stopController.signal);
      }
    }
  }

  private async idle(ms: number): Promise<void> {
    if (this.wakePending || this.stopping) return;
    this.sleepController = new AbortController();
    await sleep(this.deps.clock, ms, this.sleepController.signal);
    this.sleepController = undefined;
  }

  private async attempt(head: Delivery): Promise<void> {
    const { deliveries, alerts, clock, metrics, log } = this.deps;
    const alert = alerts.get(head.alertId)!;
    const started = clock.now();
    if (!deliveries.recordAttempt(head.seq, started)) {
      // Not its turn after all (another sender holds it, or it is not due): look again shortly.
      await this.idle(NOT_ITS_TURN_MS);
      return;
    }
    const delivery: Delivery = { ...head, attempts: head.attempts + 1, lastAttemptAt: started };
    const labels = { destination: this.dest.id, channel: this.dest.type };
    try {
      this.channel ??= this.deps.createChannel(this.dest);
      const receipt = await this.channel.deliver({
        delivery,
        alert,
        context: loadContext(this.deps.index, alert),
        stepDone: (n) => deliveries.recordStep(head.seq, n),
        signal: this.stopController.signal,
        now: () => clock.now(),
      });
      const at = clock.now();
      const ttn = Math.max(0, at - alert.findingStoredAt);
      const recorded = this.deps.db.transaction(() => {
        if (!deliveries.markDelivered(head.seq, at, ttn, receipt.note)) return false;
        this.deps.outbox.change('alert-delivered', alert.id, { seq: head.seq, destination: this.dest.id, timeToNotificationMs: ttn }, at);
        return true;
      })();
      this.breaker.success();
      this.lastFailure = null;
      metrics.attempts.inc({ ...labels, result: 'ok' });
      if (recorded) {
        metrics.deliveries.inc({ ...labels, outcome: 'delivered' });
        metrics.timeToNotification.observe({ ...labels, kind: head.kind }, ttn / 1000);
      }
      log.info('alert delivered', { alertId: alert.id, seq: head.seq, destination: this.dest.id, attempt: delivery.attempts, timeToNotificationMs: ttn });
    } catch (err) {
      if (this.stopping) return;
      this.failed(delivery, err);
    }
  }

  private failed(delivery: Delivery, err: unknown): void {
    const { deliveries, clock, config, metrics, log } = this.deps;
    const at = clock.now();
    const code = isVigilError(err) ? err.code : 'INTERNAL';
    // Our own error texts name hosts and codes, never patient data; anything else is not stored.
    const message = isVigilError(err) ? err.message : 'unexpected error (see the node log)';
    const failure = { code, error: message, peer: peerTextOf(err) };
    const policy = failurePolicy(err);
    if (policy.destinationDown) this.breaker.failure(at, code);
    this.lastFailure = { code, message, at };
    const labels = { destination: this.dest.id, channel: this.dest.type };
    metrics.attempts.inc({ ...labels, result: code });
    const windowOver = at - delivery.retryWindowFrom >= config.giveUpAfterMs;
    if (!policy.retry || windowOver) {
      const reason = policy.retry ? `gave up after ${delivery.attempts} attempts: ${message}` : message;
      const dead = this.deps.db.transaction(() => {
        if (!deliveries.markDead(delivery.seq, failure, reason)) return false;
        this.deps.outbox.change('alert-dead-lettered', delivery.alertId, { seq: delivery.seq, destination: this.dest.id, code }, at);
        return true;
      })();
      if (dead) metrics.deliveries.inc({ ...labels, outcome: 'dead' });
      log.error('alert delivery dead-lettered', { alertId: delivery.alertId, seq: delivery.seq, destination: this.dest.id, code, attempts: delivery.attempts });
      return;
    }
    const delay = retryDelay(delivery.attempts, config.backoff, this.deps.random);
    deliveries.markFailed(delivery.seq, at + delay, failure);
    log.warn('alert delivery failed, will retry', {
      alertId: delivery.alertId,
      seq: delivery.seq,
      destination: this.dest.id,
      code,
      attempt: delivery.attempts,
      retryInMs: delay,
    });
    if (!isVigilError(err)) log.error('unexpected alert delivery error', { destination: this.dest.id, error: describeError(err) });
  }
}
