/**
 * DIMSE command sets (PS3.7 E.1) read and written without dcmjs. Commands are always Implicit VR
 * Little Endian (PS3.7 6.3.1), a few short elements of group 0000. dcmjs-dimse reads and writes
 * them through dcmjs's general data set parser and writer, which together were about a fifth of
 * the receive path's CPU time: one command in, one response out, per instance received.
 *
 * Only the elements named below are known; encoding a command with any other element is left
 * to dcmjs-dimse, and decoding skips them.
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

/** The same table by element number, for decoding. */
const KEYWORD_BY_ELEMENT = new Map(Object.entries(COMMAND_ELEMENTS).map(([keyword, [element, vr]]) => [element, { keyword, vr }]));

/** Command Field values (PS3.7 E.1) the receive path answers itself. */
export const CommandField = {
  CStoreRequest: 0x0001,
  CStoreResponse: 0x8001,
  CEchoRequest: 0x0030,
  CEchoResponse: 0x8030,
} as const;

/** Command Data Set Type when no data set follows the command (PS3.7 E.1). */
export const NO_DATA_SET = 0x0101;

export type CommandElements = Record<string, string | number>;

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

/**
 * The known elements of an encoded command set, by keyword; strings without their padding.
 * Throws a CommandSetError when the elements run past the end: the sender is broken.
 */
export function decodeCommand(bytes: Buffer): CommandElements {
  const elements: CommandElements = {};
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) throw new CommandSetError(`element header cut at byte ${at}`);
    const group = bytes.readUInt16LE(at);
    const element = bytes.readUInt16LE(at + 2);
    const length = bytes.readUInt32LE(at + 4);
    const start = at + 8;
    const end = start + length;
    if (end > bytes.length) throw new CommandSetError(`element (${hex(group)},${hex(element)}) runs past the command's end`);
    at = end;
    const known = group === 0 ? KEYWORD_BY_ELEMENT.get(element) : undefined;
    if (!known) continue;
    const value = decodeValue(known.vr, bytes.subarray(start, end));
    if (value !== undefined) elements[known.keyword] = value;
  }
  return elements;
}

export class CommandSetError extends Error {}

function decodeValue(vr: CommandVr, value: Buffer): string | number | undefined {
  switch (vr) {
    case 'US':
      return value.length === 2 ? value.readUInt16LE(0) : undefined;
    case 'UL':
      return value.length === 4 ? value.readUInt32LE(0) : undefined;
    default:
      return value
        .toString('latin1')
        .replace(/[\0 ]+$/, '')
        .replace(/^ +/, '');
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
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
