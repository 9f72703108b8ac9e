import { VigilError } from '../core/errors.js';
import { hl7DateTime } from './datetime.js';
import { Hl7Message, mshSegment, segment, valueOf } from './message.js';
import { parseMessage } from './parse.js';

/**
 * Acknowledgement codes, HL7 table 0008: original mode (AA/AE/AR) and enhanced mode commit
 * acknowledgements (CA/CE/CR).
 */
export const ACK_CODES = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'] as const;
export type AckCode = (typeof ACK_CODES)[number];

/** What an acknowledgement says, read from MSA and ERR. */
export interface Ack {
  code: AckCode;
  /** MSA-2: the control id (MSH-10) of the message acknowledged. */
  ackedControlId: string;
  /** MSA-3 or ERR-8: the peer's words (may quote patient data: store, never log). */
  text: string;
  /** ERR-3.1 (table 0357, e.g. 207 application internal error), or MSA-6.1 before v2.5. */
  errorCode: string | null;
  /** The answer's own message type (ACK, ORL^O24, ORR^O02...). */
  messageType: string;
}

/**
 * Reads an acknowledgement. Any message with an MSA segment counts (an OMI^O23 is answered by
 * ORL^O24, an ORM^O01 by ORR^O02); a reply without MSA, or with an unknown MSA-1 code, is
 * malformed, because we cannot tell whether the peer took the message.
 */
export function readAck(reply: string | Hl7Message): Ack {
  let msg: Hl7Message;
  try {
    msg = typeof reply === 'string' ? parseMessage(reply) : reply;
  } catch (err) {
    throw new VigilError('ALERT_ACK_MALFORMED', 'the acknowledgement is not an HL7 v2 message', { cause: err });
  }
  const msa = msg.segment('MSA');
  if (!msa) throw new VigilError('ALERT_ACK_MALFORMED', 'the acknowledgement has no MSA segment');
  const code = valueOf(msa, 1);
  if (!isAckCode(code)) throw new VigilError('ALERT_ACK_MALFORMED', `MSA-1 is "${code.slice(0, 4)}", not an acknowledgement code of table 0008`);
  const ackedControlId = valueOf(msa, 2);
  if (!ackedControlId) throw new VigilError('ALERT_ACK_MALFORMED', 'MSA-2 (the acknowledged control id) is empty');
  const err = msg.segment('ERR');
  const errorCode = valueOf(err, 3) || valueOf(msa, 6) || null;
  return { code, ackedControlId, text: valueOf(msa, 3) || valueOf(err, 8), errorCode, messageType: msg.type };
}

export function isAckCode(code: string): code is AckCode {
  return (ACK_CODES as readonly string[]).includes(code);
}

/** MSA-2 of a reply, or undefined when the reply cannot be read at all (to match replies to requests). */
export function ackedControlIdOf(reply: string): string | undefined {
  try {
    const msg = parseMessage(reply);
    return msg.segment('MSA') ? msg.get('MSA', 2) : undefined;
  } catch {
    return undefined;
  }
}

export interface AckOptions {
  code: AckCode;
  /** Our control id for the ACK itself. */
  controlId: string;
  text?: string;
  /** Table 0357 code for ERR-3 when the code is not AA/CA (e.g. 207 internal error). */
  errorCode?: string;
  at?: number;
}

/**
 * Builds the acknowledgement of `msg` (for an MLLP listener: the worklist's order listener and
 * our test peers). Sender and receiver are swapped, MSH-9 echoes the trigger event, MSA-2
 * quotes the control id.
 */
export function buildAck(msg: Hl7Message, opts: AckOptions): Hl7Message {
  const accepted = opts.code === 'AA' || opts.code === 'CA';
  const segments = [
    mshSegment({
      3: [msg.get('MSH', 5)],
      4: [msg.get('MSH', 6)],
      5: [msg.get('MSH', 3)],
      6: [msg.get('MSH', 4)],
      7: hl7DateTime(opts.at ?? Date.now()),
      9: ['ACK', msg.get('MSH', 9, 2), 'ACK'],
      10: opts.controlId,
      11: msg.get('MSH', 11) || 'P',
      12: msg.get('MSH', 12) || '2.5.1',
    }),
    segment('MSA', { 1: opts.code, 2: msg.controlId, 3: opts.text }),
  ];
  if (!accepted) {
    segments.push(segment('ERR', { 3: [opts.errorCode ?? '207', '', 'HL70357'], 4: 'E', 8: opts.text }));
  }
  return new Hl7Message(segments);
}

/**
 * The reply matcher for MllpClient.send: a frame answers our message when its MSA-2 quotes our
 * control id, or when it cannot be read at all, so that a malformed answer fails at once as
 * malformed instead of waiting out the timeout. An ACK quoting another control id (a peer that
 * acknowledges twice) answers some other message and is ignored.
 */
export function answersControlId(controlId: string): (frame: string) => boolean {
  return (frame) => {
    const acked = ackedControlIdOf(frame);
    return acked === undefined || acked === controlId;
  };
}
