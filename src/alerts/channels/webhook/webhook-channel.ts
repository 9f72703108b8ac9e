import crypto from 'node:crypto';
import type tls from 'node:tls';
import type { WebhookDestinationConfig } from '../../../config/sections/alerts.js';
import type { ChannelHandler, DeliveryJob, DeliveryReceipt } from '../channel.js';
import { httpFailure, httpSend } from '../http-request.js';
import { resolveSecret } from '../../../config/secrets.js';
import { tlsClientOptions } from '../../../config/tls-client.js';
import type { DeliveryKind } from '../../model.js';
import { aiNotice, incompleteSeriesNote, resultText } from '../../notice.js';
import { reportedResult } from '../../reported-result.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './signature.js';

/**
 * A signed JSON POST. The body is the same on every retry (its `id` is the delivery's
 * idempotency key, also sent as Idempotency-Key); the timestamp and signature are fresh on
 * each attempt. Patient identifiers are included only when the destination asks for them.
 */
export class WebhookChannel implements ChannelHandler {
  readonly type = 'webhook' as const;
  private readonly tls: tls.ConnectionOptions | undefined;

  constructor(private readonly dest: WebhookDestinationConfig) {
    this.tls = tlsClientOptions(dest.tls);
  }

  async deliver(job: DeliveryJob): Promise<DeliveryReceipt> {
    await this.post(JSON.stringify(webhookBody(job, this.dest.includePatient)), eventName(job), job.delivery.idempotencyKey, job.now(), job.signal);
    job.stepDone(1);
    return { note: null };
  }

  /** A signed `ping` event (no patient data): the receiver is there and takes our signature. */
  async check(signal: AbortSignal): Promise<string> {
    const id = `ping-${crypto.randomUUID()}`;
    const status = await this.post(JSON.stringify({ id, event: 'ping', at: new Date().toISOString() }), 'ping', id, Date.now(), signal);
    return `signed ping to ${new URL(this.dest.url).origin} answered ${status}`;
  }

  /** One signed POST; resolves with the 2xx status, throws what httpFailure makes of anything else. */
  private async post(body: string, event: string, idempotencyKey: string, now: number, signal: AbortSignal): Promise<number> {
    const timestamp = Math.floor(now / 1000);
    const res = await httpSend({
      url: this.dest.url,
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': idempotencyKey,
        'X-Vigil-Event': event,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(resolveSecret(this.dest.secret), timestamp, body),
      },
      body,
      timeoutMs: this.dest.timeoutMs,
      signal,
      tls: this.tls,
    });
    const failure = httpFailure(res, 'webhook');
    if (failure) throw failure;
    return res.status;
  }

  async close(): Promise<void> {}
}

const EVENTS: Record<DeliveryKind, string> = { alert: 'alert.raised', escalation: 'alert.escalated', withdrawal: 'alert.withdrawn' };

function eventName(job: DeliveryJob): string {
  return EVENTS[job.delivery.kind];
}

export function webhookBody(job: DeliveryJob, includePatient: boolean): Record<string, unknown> {
  const { alert, delivery, context } = job;
  const reported = reportedResult(alert, delivery.kind);
  const f = reported.finding;
  const caveat = incompleteSeriesNote(f);
  return {
    id: delivery.idempotencyKey,
    event: eventName(job),
    escalationLevel: delivery.escalationLevel,
    alert: {
      id: alert.id,
      createdAt: new Date(alert.createdAt).toISOString(),
      critical: alert.critical,
      priority: alert.priority,
      // The same for every alert about one result: a correction or withdrawal names the result it replaces.
      resultId: reported.resultId,
      corrects: reported.corrects,
      // preliminary (made on part of a series still arriving), final, or corrected.
      status: reported.status,
      replaces: alert.replaces,
    },
    finding: {
      id: f.id,
      concept: f.concept,
      probability: f.probability,
      threshold: f.threshold,
      operatingPoint: f.operatingPoint,
      positive: f.positive,
      critical: f.critical,
      model: { id: f.modelId, version: f.modelVersion, deviceUid: f.deviceUid },
      storedAt: new Date(f.createdAt).toISOString(),
      // Present only for a finding made on part of its series.
      ...(f.incompleteSeries && { incompleteSeries: f.incompleteSeries }),
    },
    study: { id: alert.studyId, studyInstanceUid: alert.studyInstanceUid, seriesInstanceUid: f.seriesInstanceUid },
    ...(includePatient
      ? { patient: { id: context.patient.id, issuer: context.patient.issuer, name: context.patient.name }, accessionNumber: context.study.accessionNumber }
      : {}),
    summary: resultText(reported),
    ...(caveat && { caveat }),
    notice: aiNotice(f),
  };
}
