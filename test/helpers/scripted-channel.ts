import type { ChannelHandler, DeliveryJob, DeliveryReceipt } from '../../src/alerts/channels/channel.js';
import { VigilError, type ErrorCode } from '../../src/core/errors.js';

export interface ChannelCall {
  seq: number;
  alertId: string;
  attempt: number;
  stepsDone: number;
  key: string;
}

/**
 * A channel whose outcomes the test scripts: each call takes the next outcome ('ok' or an
 * error code); with the script empty, calls succeed. Records every call.
 */
export class ScriptedChannel implements ChannelHandler {
  readonly type = 'webhook' as const;
  readonly calls: ChannelCall[] = [];
  private readonly script: ('ok' | ErrorCode)[] = [];

  then(...outcomes: ('ok' | ErrorCode)[]): this {
    this.script.push(...outcomes);
    return this;
  }

  async deliver(job: DeliveryJob): Promise<DeliveryReceipt> {
    this.calls.push({
      seq: job.delivery.seq,
      alertId: job.alert.id,
      attempt: job.delivery.attempts,
      stepsDone: job.delivery.stepsDone,
      key: job.delivery.idempotencyKey,
    });
    const outcome = this.script.shift() ?? 'ok';
    if (outcome !== 'ok') throw new VigilError(outcome, `scripted ${outcome}`, { extra: { peerText: `peer says ${outcome}` } });
    job.stepDone(1);
    return { note: null };
  }

  async check(): Promise<string> {
    return 'scripted';
  }

  async close(): Promise<void> {}
}
