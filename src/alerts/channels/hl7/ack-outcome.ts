import { VigilError } from '../../../core/errors.js';
import type { Ack } from '../../../hl7/ack.js';

/**
 * ERR-3 codes (table 0357) that say the message itself is wrong (segment sequence, required
 * field, data type, table value, unsupported type/event/processing id/version, unknown key):
 * sending it again unchanged cannot succeed.
 */
const MESSAGE_FAULTS = new Set(['100', '101', '102', '103', '200', '201', '202', '203', '204']);
/** Codes that say the receiver is temporarily unable (record locked, internal error). */
const TEMPORARY = new Set(['206', '207']);
/** 205, duplicate key identifier: the receiver has this message already (our retry after a lost ACK). */
const DUPLICATE = '205';

export type AckOutcome = { delivered: true; note: string | null };

/**
 * What an acknowledgement means for the delivery: AA/CA (or a duplicate) is done; AE is
 * retried unless its code blames the message; AR is dead-lettered unless its code says the
 * receiver is only temporarily unable. The peer's text travels in `extra.peerText`.
 */
export function ackOutcome(ack: Ack): AckOutcome {
  if (ack.code === 'AA' || ack.code === 'CA') return { delivered: true, note: null };
  const code = ack.errorCode?.split(/[^0-9]/)[0] ?? '';
  if (code === DUPLICATE) return { delivered: true, note: `the peer already had this message (${ack.code}, ERR-3 205)` };
  const extra = { peerText: ack.text, ackCode: ack.code, errorCode: ack.errorCode };
  const error = ack.code === 'AE' || ack.code === 'CE';
  const retry = error ? !MESSAGE_FAULTS.has(code) : TEMPORARY.has(code);
  const detail = `peer answered ${ack.code}${ack.errorCode ? ` with error code ${code || ack.errorCode.slice(0, 10)}` : ''}`;
  throw new VigilError(retry ? 'ALERT_NACK_ERROR' : 'ALERT_NACK_REJECT', detail, { extra });
}
