import type { Hl7DestinationConfig } from '../../../config/sections/alerts.js';
import { answersControlId, readAck } from '../../../hl7/ack.js';
import type { Hl7Message } from '../../../hl7/message.js';
import { MllpClient } from '../../../hl7/mllp/client.js';
import type { ChannelHandler, DeliveryJob, DeliveryReceipt } from '../channel.js';
import { tlsClientOptions } from '../../../config/tls-client.js';
import { ackOutcome } from './ack-outcome.js';
import { buildOrderUpdate } from './order-update.js';
import { buildOru } from './oru.js';

type Step = (controlId: string, at: number) => Hl7Message;

/**
 * HL7 v2 over MLLP. A delivery is one or two messages: the ORU^R01 result (a withdrawal is a
 * corrected result), then (for an alert, not an escalation or a withdrawal, whose study has an
 * accession number and asks for more than routine) the order priority update. Each message's
 * control id is the delivery's idempotency key plus its step, the same on every retry, so a
 * receiver can recognise a resend; a step acknowledged is recorded and never sent again.
 */
export class Hl7Channel implements ChannelHandler {
  readonly type = 'hl7v2' as const;
  private readonly client: MllpClient;

  constructor(private readonly dest: Hl7DestinationConfig) {
    this.client = new MllpClient({
      host: dest.host,
      port: dest.port,
      tls: tlsClientOptions(dest.tls),
      connectTimeoutMs: dest.connectTimeoutMs,
      responseTimeoutMs: dest.responseTimeoutMs,
      idleTimeoutMs: 5 * 60_000,
    });
  }

  async deliver(job: DeliveryJob): Promise<DeliveryReceipt> {
    const steps = this.steps(job);
    const notes: string[] = [];
    for (let i = job.delivery.stepsDone; i < steps.length; i++) {
      const controlId = `${job.delivery.idempotencyKey}-${i + 1}`;
      const message = steps[i]!(controlId, job.now());
      const reply = await this.client.send(message.toString(), { isReply: answersControlId(controlId), signal: job.signal });
      const outcome = ackOutcome(readAck(reply));
      if (outcome.note) notes.push(outcome.note);
      job.stepDone(i + 1);
    }
    return { note: notes.length > 0 ? notes.join('; ') : null };
  }

  /** A connection only: sending a message, even a test one, would reach the RIS's worklists. */
  async check(signal: AbortSignal): Promise<string> {
    await this.client.probe(signal);
    return `MLLP${this.dest.tls ? ' over TLS' : ''} connection to ${this.dest.host}:${this.dest.port} accepted`;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private steps(job: DeliveryJob): Step[] {
    const { alert, context, delivery } = job;
    const dest = this.dest;
    const steps: Step[] = [
      (controlId, at) => buildOru({ dest, alert, kind: delivery.kind, context, controlId, at, escalationLevel: delivery.escalationLevel }),
    ];
    const orderType = dest.orderUpdate;
    // A confirmation of an early positive: its preliminary alert raised the order's priority already.
    if (delivery.kind === 'alert' && !alert.confirms && orderType !== 'none' && context.study.accessionNumber && alert.priority !== 'routine') {
      steps.push((controlId, at) => buildOrderUpdate({ dest, type: orderType, alert, context, controlId, at }));
    }
    return steps;
  }
}
