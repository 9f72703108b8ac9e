/**
 * Encodes a DIMSE command without a data set (a C-STORE or C-ECHO response, say) straight into
 * its P-DATA-TF PDU. dcmjs-dimse builds the same bytes through dcmjs's general data set writer,
 * which was a tenth of the receive path's CPU time: one response per instance received.
 *
 * Commands are always Implicit VR Little Endian (PS3.7 6.3.1). Only the command elements a
 * response carries are known here; a command with any other element is left to dcmjs-dimse.
 */
type CommandVr = 'UI' | 'US' | 'UL' | 'AE' | 'LO';

/** Command elements (PS3.7 E.1) by dcmjs keyword: element number in group 0000, VR. */
const COMMAND_ELEMENTS: Record<string, readonly [number, CommandVr]> = {
  AffectedSOPClassUID: [0x0002, 'UI'],
  RequestedSOPClassUID: [0x0003, 'UI'],
  CommandField: [0x0100, 'US'],
  MessageID: [0x0110, 'US'],
  MessageIDBeingRespondedTo: [0x0120, 'US'],
  MoveDestination: [0x0600, 'AE'],
  Priority: [0x0700, 'US'],
  CommandDataSetType: [0x0800, 'US'],
  Status: [0x0900, 'US'],
  ErrorComment: [0x0902, 'LO'],
  ErrorID: [0x0903, 'US'],
  AffectedSOPInstanceUID: [0x1000, 'UI'],
  RequestedSOPInstanceUID: [0x1001, 'UI'],
  EventTypeID: [0x1002, 'US'],
  ActionTypeID: [0x1008, 'US'],
  NumberOfRemainingSuboperations: [0x1020, 'US'],
  NumberOfCompletedSuboperations: [0x1021, 'US'],
  NumberOfFailedSuboperations: [0x1022, 'US'],
  NumberOfWarningSuboperations: [0x1023, 'US'],
  MoveOriginatorApplicationEntityTitle: [0x1030, 'AE'],
  MoveOriginatorMessageID: [0x1031, 'US'],
};

const P_DATA_TF = 0x04;
/** Message control header: command, last fragment (PS3.8 E.2). */
const COMMAND_LAST_FRAGMENT = 0x03;

/** The command's elements encoded with their group length, or undefined if one is not known here. */
export function encodeCommand(elements: Record<string, unknown>): Buffer | undefined {
  const encoded: [number, Buffer][] = [];
  for (const [keyword, value] of Object.entries(elements)) {
    if (value === undefined) continue;
    const known = COMMAND_ELEMENTS[keyword];
    if (!known) return undefined;
    const bytes = encodeValue(known[1], value);
    if (!bytes) return undefined;
    encoded.push([known[0], elementBytes(known[0], bytes)]);
  }
  encoded.sort((a, b) => a[0] - b[0]);
  const body = Buffer.concat(encoded.map(([, bytes]) => bytes));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  return Buffer.concat([elementBytes(0x0000, groupLength), body]);
}

/** One P-DATA-TF PDU carrying a whole command in a single PDV. */
export function commandPdu(presentationContextId: number, command: Buffer): Buffer {
  const pdu = Buffer.allocUnsafe(12 + command.length);
  pdu.writeUInt8(P_DATA_TF, 0);
  pdu.writeUInt8(0, 1);
  pdu.writeUInt32BE(6 + command.length, 2); // the PDV item: its length field, id, header, value
  pdu.writeUInt32BE(2 + command.length, 6);
  pdu.writeUInt8(presentationContextId, 10);
  pdu.writeUInt8(COMMAND_LAST_FRAGMENT, 11);
  command.copy(pdu, 12);
  return pdu;
}

function elementBytes(element: number, value: Buffer): Buffer {
  const head = Buffer.allocUnsafe(8);
  head.writeUInt16LE(0x0000, 0);
  head.writeUInt16LE(element, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

function encodeValue(vr: CommandVr, value: unknown): Buffer | undefined {
  switch (vr) {
    case 'US':
    case 'UL': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return undefined;
      const bytes = Buffer.alloc(vr === 'US' ? 2 : 4);
      if (vr === 'US') {
        if (value > 0xffff) return undefined;
        bytes.writeUInt16LE(value);
      } else {
        if (value > 0xffffffff) return undefined;
        bytes.writeUInt32LE(value);
      }
      return bytes;
    }
    default: {
      if (typeof value !== 'string') return undefined;
      // Even length (PS3.5 7.1.1): UIDs pad with NUL, text with a space.
      const padded = value.length % 2 === 0 ? value : value + (vr === 'UI' ? '\0' : ' ');
      return Buffer.from(padded, 'latin1');
    }
  }
}
