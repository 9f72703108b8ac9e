import crypto from 'node:crypto';
import type { WorklistConfig } from '../../config/sections/worklist.js';
import { isVigilError } from '../../core/errors.js';
import { buildAck } from '../../hl7/ack.js';
import { Hl7Message } from '../../hl7/message.js';
import { parseMessage } from '../../hl7/parse.js';
import { MllpServer } from '../../hl7/mllp/server.js';
import type { Logger } from '../../log/logger.js';
import { readOrders, type OrderRefusal, type OrderUpdate } from './order-message.js';
import type { OrderSource } from './order-store.js';
import { describeError } from '../../log/describe-error.js';

export const ORDER_RESULTS = ['accepted', 'rejected', 'error'] as const;
export type OrderResult = (typeof ORDER_RESULTS)[number];

export interface OrderListenerDeps {
  config: WorklistConfig['orders'];
  /** Stores the orders of one message (one transaction); throws when it cannot. */
  record(orders: readonly OrderUpdate[], source: OrderSource): void;
  now(): number;
  log: Logger;
  /** Counts each message by what became of it. */
  counted?(result: OrderResult): void;
}

/**
 * Orders in from the RIS: an MLLP listener for ORM^O01 and OMI^O23. Each message is answered
 * after it is stored: AA when every order in it was recorded; AR with the reason (ERR-3 from
 * table 0357, ERR-8 our words) when the message can never be taken; AE when we could not store
 * it now, so that the RIS sends it again. Logs say what happened by control id and code, never
 * the message (it names the patient).
 */
export class OrderListener {
  private readonly server: MllpServer;

  constructor(private readonly deps: OrderListenerDeps) {
    this.server = new MllpServer({
      host: deps.config.host,
      port: deps.config.port,
      maxFrameBytes: deps.config.maxMessageBytes,
      handler: (frame) => this.answer(frame),
      log: deps.log,
    });
  }

  get port(): number {
    return this.server.port;
  }

  async start(): Promise<void> {
    await this.server.start();
    this.deps.log.info('HL7 order listener started', { host: this.deps.config.host, port: this.server.port });
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  /** The ACK for one received frame (exposed for tests that need no socket). */
  answer(frame: string): string {
    const { log } = this.deps;
    let msg: Hl7Message;
    try {
      msg = parseMessage(frame);
    } catch (err) {
      if (!isVigilError(err, 'HL7_PARSE_FAILED')) throw err;
      log.warn('HL7 order refused: not a message', { code: err.code });
      this.deps.counted?.('rejected');
      // Nothing to quote: an ACK with an empty MSA-2 still tells the peer it was refused.
      return this.ack(new Hl7Message([]), { ack: 'AR', errorCode: '100', reason: `not an HL7 v2 message: ${err.message}` });
    }
    const reading = readOrders(msg);
    if (!reading.ok) {
      log.warn('HL7 order refused', { controlId: msg.controlId, type: msg.type, ack: reading.refusal.ack, errorCode: reading.refusal.errorCode });
      this.deps.counted?.('rejected');
      return this.ack(msg, reading.refusal);
    }
    try {
      this.deps.record(reading.orders, { messageType: msg.type, controlId: msg.controlId, at: this.deps.now() });
    } catch (err) {
      log.error('HL7 order could not be stored', { controlId: msg.controlId, error: describeError(err) });
      this.deps.counted?.('error');
      return this.ack(msg, { ack: 'AE', errorCode: '207', reason: 'the order could not be stored now; send it again' });
    }
    log.info('HL7 order recorded', {
      controlId: msg.controlId,
      type: msg.type,
      orders: reading.orders.length,
      controls: reading.orders.map((o) => o.control),
      priorities: reading.orders.map((o) => o.priority),
    });
    this.deps.counted?.('accepted');
    return this.ack(msg, null);
  }

  private ack(msg: Hl7Message, refusal: OrderRefusal | null): string {
    const header = { controlId: newControlId(), at: this.deps.now() };
    const ack = refusal
      ? buildAck(msg, { ...header, code: refusal.ack, text: refusal.reason, errorCode: refusal.errorCode })
      : buildAck(msg, { ...header, code: 'AA' });
    // We answer as ourselves whatever MSH-5/6 of the order said.
    const msh = ack.segment('MSH')!;
    msh.fields[3] = [[[this.deps.config.application]]];
    msh.fields[4] = [[[this.deps.config.facility]]];
    return ack.toString();
  }
}

/** MSH-10 is at most 20 characters (ST). */
function newControlId(): string {
  return `VGL${crypto.randomBytes(8).toString('hex')}`.slice(0, 20);
}
