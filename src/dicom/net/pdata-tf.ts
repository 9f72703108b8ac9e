/**
 * P-DATA-TF PDUs (PS3.8 9.3.5): presentation data values (PDVs), each one fragment of a DIMSE
 * message's command or data set. Built here; incoming ones are read by PduFramer, with the same
 * layout facts.
 */
export const P_DATA_TF = 0x04;

const PDU_HEADER_BYTES = 6;
/** A PDV item: its 4-byte length, the presentation context ID, the message control header. */
export const PDV_HEADER_BYTES = 6;
/** Message control header bits (PS3.8 E.2). */
const COMMAND_BIT = 0x01;
const LAST_FRAGMENT_BIT = 0x02;

/** What a message control header says about its PDV. */
export function readControlHeader(control: number): { command: boolean; last: boolean } {
  return { command: (control & COMMAND_BIT) !== 0, last: (control & LAST_FRAGMENT_BIT) !== 0 };
}

/** A PDV to send: whole, in one PDU. */
export interface Pdv {
  contextId: number;
  command: boolean;
  last: boolean;
  value: Buffer;
}

/** One P-DATA-TF PDU carrying the given PDVs. */
export function pdataPdu(pdvs: readonly Pdv[]): Buffer {
  const bodyLength = pdvs.reduce((n, pdv) => n + PDV_HEADER_BYTES + pdv.value.length, 0);
  const pdu = Buffer.allocUnsafe(PDU_HEADER_BYTES + bodyLength);
  pdu.writeUInt8(P_DATA_TF, 0);
  pdu.writeUInt8(0, 1);
  pdu.writeUInt32BE(bodyLength, 2);
  let at = PDU_HEADER_BYTES;
  for (const pdv of pdvs) {
    pdu.writeUInt32BE(2 + pdv.value.length, at);
    pdu.writeUInt8(pdv.contextId, at + 4);
    pdu.writeUInt8((pdv.command ? COMMAND_BIT : 0) | (pdv.last ? LAST_FRAGMENT_BIT : 0), at + 5);
    pdv.value.copy(pdu, at + PDV_HEADER_BYTES);
    at += PDV_HEADER_BYTES + pdv.value.length;
  }
  return pdu;
}

/** One P-DATA-TF PDU carrying a whole command in a single PDV. */
export function commandPdu(contextId: number, command: Buffer): Buffer {
  return pdataPdu([{ contextId, command: true, last: true, value: command }]);
}
