import type { DeliveryConfig, DestinationConfig, WebhookDestinationConfig } from '../../config/sections/alerts.js';
import { sleep, type Clock } from '../../core/clock.js';
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

/**
 * Sends operational notices to operational webhook destinations, each destination's in order,
 * signed like the alert webhooks (X-Vigil-Signature), retried with the alerts' backoff until
 * delivered. Destinations are read at each round, so one added over the API is served.
 */
export class OperationalSender {
  private running = false;
  private loop: Promise<void> | undefined;
  private sleeper: AbortController | undefined;
  private readonly stopper = new AbortController();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly outbox: OperationalOutbox,
    private readonly deps: { destinations: () => DestinationConfig[]; backoff: DeliveryConfig['backoff']; clock: Clock; log: Logger; random?: () => number },
  ) {}

  start(): void {
    this.running = true;
    this.unsubscribe = this.outbox.onWork(() => this.sleeper?.abort());
    this.loop ??= this.run().catch((err: unknown) => {
      this.deps.log.error('operational sender stopped on an unexpected error', { error: describeError(err) });
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.stopper.abort(new Error('the operational sender is stopping'));
    this.sleeper?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = this.deps.clock.now();
      let wait = IDLE_POLL_MS;
      for (const dest of this.deps.destinations()) {
        if (!this.running || !dest.enabled || dest.use !== 'operational' || dest.type !== 'webhook') continue;
        // Each destination's deliveries one after the other, oldest first.
        for (;;) {
          const d = this.outbox.nextPending(dest.id);
          if (!d) break;
          if (d.nextAttemptAt > now) {
            wait = Math.min(wait, d.nextAttemptAt - now);
            break;
          }
          if (!(await this.attempt(dest, d))) {
            wait = Math.min(wait, Math.max(0, this.outbox.nextPending(dest.id)!.nextAttemptAt - this.deps.clock.now()));
            break;
          }
        }
      }
      if (!this.running) return;
      this.sleeper = new AbortController();
      await sleep(this.deps.clock, wait, this.sleeper.signal);
    }
  }

  private async attempt(dest: WebhookDestinationConfig, d: OperationalDelivery): Promise<boolean> {
    const notice = this.outbox.get(d.noticeId)!;
    try {
      await post(dest, notice, d, this.deps.clock.now(), this.stopper.signal);
      this.outbox.markDelivered(d.seq, this.deps.clock.now());
      this.deps.log.info('operational notice delivered', { destination: dest.id, noticeId: notice.id, kind: notice.kind, modelId: notice.modelId });
      return true;
    } catch (err) {
      if (!this.running) return false;
      const retryAt = this.deps.clock.now() + retryDelay(d.attempts + 1, this.deps.backoff, this.deps.random);
      this.outbox.markFailed(d.seq, retryAt, describeError(err));
      this.deps.log.warn('operational notice not delivered; retrying', { destination: dest.id, noticeId: notice.id, attempt: d.attempts + 1, error: describeError(err) });
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
