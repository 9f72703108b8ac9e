import type { DeliveryConfig, DestinationConfig, WebhookDestinationConfig } from '../../config/sections/alerts.js';
import { backoffDelay, INDEX_RETRY } from '../../core/backoff.js';
import { sleep, type Clock } from '../../core/clock.js';
import { isVigilError } from '../../core/errors.js';
import { tlsClientOptions } from '../../config/tls-client.js';
import { describeError } from '../../log/describe-error.js';
import type { Logger } from '../../log/logger.js';
import { retryDelay } from '../backoff.js';
import { httpFailure, httpSend } from '../channels/http-request.js';
import { resolveSecret } from '../../config/secrets.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from '../channels/webhook/signature.js';
import type { OperationalDelivery, OperationalNotice, OperationalOutbox } from './operational-outbox.js';

/** With nothing pending, look again this often even if nobody wakes us. */
const IDLE_POLL_MS = 60_000;

/** A head the queue would not hand over although due (held elsewhere): look again after this. */
const NOT_ITS_TURN_MS = 1000;

/**
 * Sends operational notices to operational webhook destinations, each destination's in order
 * (its group in the durable job queue: only its oldest pending delivery is taken), signed like
 * the alert webhooks (X-Vigil-Signature), retried with the alerts' backoff until delivered.
 * Destinations are read at each round, so one added over the API is served.
 */
export class OperationalSender {
  private running = false;
  private loop: Promise<void> | undefined;
  private sleeper: AbortController | undefined;
  private readonly stopper = new AbortController();
  private unsubscribe: (() => void) | undefined;
  /** The delivery being posted: handed back if the index cannot record how it went. */
  private inFlight: OperationalDelivery | undefined;

  constructor(
    private readonly outbox: OperationalOutbox,
    private readonly deps: { destinations: () => DestinationConfig[]; backoff: DeliveryConfig['backoff']; clock: Clock; log: Logger; random?: () => number },
  ) {}

  start(): void {
    this.running = true;
    // This node is the only sender: what a stopped process was posting is pending again.
    this.outbox.recoverInFlight(this.deps.clock.now());
    this.unsubscribe = this.outbox.onWork(() => this.sleeper?.abort());
    this.loop ??= this.run().catch((err: unknown) => {
      this.deps.log.error('operational sender stopped on an unexpected error', { error: describeError(err) });
    });
  }

  /** Looks at the outbox now: another process of the cluster queued a notice (src/db/commit-watch.ts). */
  wake(): void {
    this.sleeper?.abort();
  }

  /** Stops after aborting the attempt in flight (it stays pending, its attempt given back). */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.stopper.abort(new Error('the operational sender is stopping'));
    this.sleeper?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let indexFailures = 0;
    while (this.running) {
      let wait: number;
      try {
        wait = await this.round();
        indexFailures = 0;
      } catch (err) {
        // The index refused a write (a full disk, say): wait, longer each time, and go on, as the
        // alert workers do. A notice posted but not recorded is handed back and sent again later,
        // under the same Idempotency-Key.
        indexFailures++;
        wait = backoffDelay(indexFailures, INDEX_RETRY);
        this.deps.log.error('operational sender could not use the index: retrying later', { error: describeError(err), retryInMs: wait });
        this.handBack();
      }
      if (!this.running) return;
      this.sleeper = new AbortController();
      await sleep(this.deps.clock, wait, this.sleeper.signal);
    }
  }

  /** One pass over the operational destinations; how long to sleep after it. */
  private async round(): Promise<number> {
    let wait = IDLE_POLL_MS;
    for (const dest of this.deps.destinations()) {
      if (!this.running || !dest.enabled || dest.use !== 'operational' || dest.type !== 'webhook') continue;
      // Each destination's deliveries one after the other, oldest first.
      for (;;) {
        const d = this.outbox.take(dest.id, this.deps.clock.now());
        if (d && (await this.attempt(dest, d))) continue;
        // None due, or this one failed: wake when the destination's head is due.
        const head = this.outbox.nextPending(dest.id);
        const now = this.deps.clock.now();
        if (head) wait = Math.min(wait, head.nextAttemptAt > now ? head.nextAttemptAt - now : NOT_ITS_TURN_MS);
        break;
      }
    }
    return wait;
  }

  private handBack(): void {
    const d = this.inFlight;
    this.inFlight = undefined;
    if (!d) return;
    try {
      this.outbox.release(d);
    } catch {
      // The index still refuses: the delivery's hold runs out and it is taken again then.
    }
  }

  private async attempt(dest: WebhookDestinationConfig, d: OperationalDelivery): Promise<boolean> {
    const notice = this.outbox.get(d.noticeId)!;
    this.inFlight = d;
    try {
      await post(dest, notice, d, this.deps.clock.now(), this.stopper.signal);
      this.outbox.markDelivered(d, this.deps.clock.now());
      this.inFlight = undefined;
      this.deps.log.info('operational notice delivered', { destination: dest.id, noticeId: notice.id, kind: notice.kind, modelId: notice.modelId });
      return true;
    } catch (err) {
      if (!this.running) {
        this.outbox.release(d);
        this.inFlight = undefined;
        return false;
      }
      const retryAt = this.deps.clock.now() + retryDelay(d.attempts, this.deps.backoff, this.deps.random);
      this.outbox.markFailed(d, retryAt, { code: isVigilError(err) ? err.code : 'INTERNAL', detail: describeError(err) });
      this.inFlight = undefined;
      this.deps.log.warn('operational notice not delivered; retrying', {
        destination: dest.id,
        noticeId: notice.id,
        attempt: d.attempts,
        error: describeError(err),
      });
      return false;
    }
  }
}

/** The body: the notice, under an `operational.<kind>` event; the same on every retry. */
export function operationalBody(notice: OperationalNotice, d: OperationalDelivery): Record<string, unknown> {
  return {
    id: d.idempotencyKey,
    event: `operational.${notice.kind}`,
    notice: { id: notice.id, kind: notice.kind, modelId: notice.modelId, day: notice.day, createdAt: new Date(notice.createdAt).toISOString(), ...notice.data },
    summary: notice.summary,
  };
}

async function post(dest: WebhookDestinationConfig, notice: OperationalNotice, d: OperationalDelivery, now: number, signal: AbortSignal): Promise<void> {
  const body = JSON.stringify(operationalBody(notice, d));
  const timestamp = Math.floor(now / 1000);
  const res = await httpSend({
    url: dest.url,
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Idempotency-Key': d.idempotencyKey,
      'X-Vigil-Event': `operational.${notice.kind}`,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signWebhook(resolveSecret(dest.secret), timestamp, body),
    },
    body,
    timeoutMs: dest.timeoutMs,
    signal,
    tls: tlsClientOptions(dest.tls),
  });
  const failure = httpFailure(res, 'webhook');
  if (failure) throw failure;
}
