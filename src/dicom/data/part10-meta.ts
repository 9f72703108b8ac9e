/** What a Part 10 file's meta group says about the data set after it. */
export interface Part10Meta {
  /** Offset of the data set's first byte. */
  dataStart: number;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/**
 * Reads the file meta information (PS3.10 7.1: a 128-byte preamble, `DICM`, group 0002 in
 * explicit VR little endian) of a Part 10 file held in memory. Undefined when the bytes are not
 * a Part 10 file or its meta group is cut short or lacks one of the three UIDs.
 */
export function readPart10Meta(bytes: Buffer): Part10Meta | undefined {
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return undefined;
  const values = new Map<number, string>();
  let at = 132;
  while (at + 8 <= bytes.length && bytes.readUInt16LE(at) === 0x0002) {
    const element = bytes.readUInt16LE(at + 2);
    const vr = bytes.toString('latin1', at + 4, at + 6);
    const long = vr === 'OB' || vr === 'OW' || vr === 'UN' || vr === 'SQ' || vr === 'UT';
    const length = long ? (at + 12 <= bytes.length ? bytes.readUInt32LE(at + 8) : Number.MAX_SAFE_INTEGER) : bytes.readUInt16LE(at + 6);
    const start = at + (long ? 12 : 8);
    if (start + length > bytes.length) return undefined;
    if (vr === 'UI') values.set(element, bytes.toString('latin1', start, start + length).replace(/[\0 ]+$/, ''));
    at = start + length;
  }
  const sopClassUid = values.get(0x0002);
  const sopInstanceUid = values.get(0x0003);
  const transferSyntaxUid = values.get(0x0010);
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid) return undefined;
  return { dataStart: at, sopClassUid, sopInstanceUid, transferSyntaxUid };
}
