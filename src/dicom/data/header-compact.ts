import dcmjs, { type DicomDict } from 'dcmjs';
import { VigilError } from '../../core/errors.js';
import type { ByteSource } from './byte-window.js';
import { ITEM, ITEM_DELIMITER, LONG_VRS, MAX_SEQUENCE_DEPTH, SEQUENCE_DELIMITER, UNDEFINED_LENGTH } from './element-encoding.js';

/**
 * Builds a small copy of a Part 10 file's header for dcmjs to parse, so that parsing a header
 * costs bounded memory whatever the file holds. dcmjs parses from one buffer in memory, and a
 * private element of 200 MB before the main tags made the whole file come in (+500 MB of RSS
 * per instance). Here the file is walked element by element through a ByteSource (positioned
 * reads) and only what is worth parsing is copied:
 *
 * - the walk stops at the top-level Pixel Data, as the header parse always did;
 * - a value longer than HEADER_VALUE_LIMIT is left out and recorded (tag, VR, length): the
 *   parsed header shows it by its length only (`BulkDataLength`, as toDicomJson does for
 *   large binary values);
 * - a sequence too long to copy whole is walked item by item and written back with undefined
 *   lengths, so that what it holds is kept and only its own large values are left out;
 * - once HEADER_BYTES_LIMIT bytes are copied, every further element is left out the same way.
 *
 * The copy keeps the file's transfer syntax and file meta group, so dcmjs reads it as it would
 * the file. Deflated and big-endian data sets are not walked (the caller reads those whole).
 */

/** Values longer than this are left out of a parsed header (ICC profiles and LUTs fit). */
export const HEADER_VALUE_LIMIT = 1024 * 1024;
/** A parsed header is built from at most this many bytes; further elements are left out. */
export const HEADER_BYTES_LIMIT = 8 * 1024 * 1024;
/** File meta elements are small; a longer one is not a file we read. */
const META_VALUE_LIMIT = 64 * 1024;

const PIXEL_DATA = 0x7fe00010;
const TRANSFER_SYNTAX = 0x00020010;
const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/** A value left out of the copy: where it is (sequence tags and item indexes), its VR, its length. */
export interface Elision {
  path: { tag: string; item: number }[];
  tag: string;
  vr: string;
  length: number;
}

export interface CompactHeader {
  /** Preamble, file meta group and the data set up to Pixel Data, large values left out. */
  bytes: Buffer;
  elided: Elision[];
  transferSyntaxUid: string;
}

/** The transfer syntaxes walked here: little endian, not deflated. */
export function isWalkable(transferSyntaxUid: string): boolean {
  return transferSyntaxUid !== '1.2.840.10008.1.2.1.99' && transferSyntaxUid !== '1.2.840.10008.1.2.2';
}

/** Reads the file meta group: its transfer syntax and where the data set starts. Throws DICOM_PARSE_FAILED. */
export function readFileMeta(source: ByteSource): { transferSyntaxUid: string; dataStart: number } {
  const prefix = source.read(0, 132);
  if (prefix.length < 132 || prefix.toString('latin1', 128, 132) !== 'DICM') throw parseFailed('not a DICOM Part 10 file (no DICM prefix)');
  const reader = new Reader(source);
  let pos = 132;
  let transferSyntaxUid: string | undefined;
  while (pos + 8 <= source.size && reader.uint16(pos) === 0x0002) {
    const tag = reader.tag(pos);
    const vr = reader.ascii(pos + 4, 2);
    const long = LONG_VRS.has(vr);
    const valueStart = pos + (long ? 12 : 8);
    const length = long ? reader.uint32(pos + 8) : reader.uint16(pos + 6);
    if (length > META_VALUE_LIMIT || valueStart + length > source.size) throw parseFailed('file meta information is unreadable');
    if (tag === TRANSFER_SYNTAX) transferSyntaxUid = reader.bytes(valueStart, length).toString('latin1').replace(/[\0 ]+$/, '');
    pos = valueStart + length;
  }
  if (!transferSyntaxUid) throw parseFailed('file meta information has no transfer syntax');
  return { transferSyntaxUid, dataStart: pos };
}

/** The compact copy of a file's header (see above). Throws DICOM_PARSE_FAILED. */
export function compactHeader(source: ByteSource): CompactHeader {
  const { transferSyntaxUid, dataStart } = readFileMeta(source);
  const compactor = new Compactor(source);
  compactor.copy(0, dataStart);
  compactor.dataset(dataStart, source.size, 0, [], transferSyntaxUid !== IMPLICIT_VR_LITTLE_ENDIAN, true);
  return { bytes: compactor.result(), elided: compactor.elided, transferSyntaxUid };
}

/**
 * Marks the left-out values in a dict parsed from the copy: each becomes { vr, BulkDataLength }.
 * An element whose path cannot be found (dcmjs read the copy otherwise) is added where it can be.
 */
export function markElisions(dict: DicomDict, elided: readonly Elision[]): void {
  for (const elision of elided) {
    let at: DicomDict | undefined = dict;
    for (const step of elision.path) {
      const item: unknown = at?.[step.tag]?.Value?.[step.item];
      at = item && typeof item === 'object' ? (item as DicomDict) : undefined;
    }
    if (at) at[elision.tag] = { vr: elision.vr, BulkDataLength: elision.length };
  }
}

class Compactor {
  readonly elided: Elision[] = [];
  private readonly out: Buffer[] = [];
  private outBytes = 0;
  private readonly r: Reader;

  constructor(private readonly source: ByteSource) {
    this.r = new Reader(source);
  }

  result(): Buffer {
    return Buffer.concat(this.out, this.outBytes);
  }

  copy(pos: number, length: number): void {
    this.emit(this.r.bytes(pos, length));
  }

  /**
   * The elements from `pos` up to `end`, or with `end` undefined up to and including an item
   * delimiter. At the top level the walk stops at Pixel Data. Returns where it stopped.
   */
  dataset(pos: number, end: number | undefined, depth: number, path: Elision['path'], explicitVr: boolean, top = false): number {
    for (;;) {
      if (end !== undefined && pos >= end) return pos;
      const tag = this.r.tag(pos);
      if (tag === ITEM_DELIMITER && end === undefined) {
        this.copy(pos, 8);
        return pos + 8;
      }
      if (top && tag === PIXEL_DATA) return pos;
      if (tag === ITEM || tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) throw parseFailed(`unexpected delimiter at byte ${pos}`);
      const el = this.elementHeader(pos, explicitVr);
      const valueStart = pos + el.headerLength;
      const vr = el.vr ?? dictionaryVr(tag);
      if (el.length === UNDEFINED_LENGTH) {
        pos = this.undefinedLength(pos, tag, vr, el, depth, path, explicitVr);
        continue;
      }
      const next = valueStart + el.length;
      if (next > this.source.size) throw parseFailed(`data set ends inside the element at byte ${pos}`);
      const whole = el.headerLength + el.length;
      if (el.length <= HEADER_VALUE_LIMIT && this.fits(whole)) this.copy(pos, whole);
      else if (vr === 'SQ' && this.fits(el.headerLength + 8)) {
        // Too long to copy whole: its items are walked, and it is written with undefined length.
        this.emit(undefinedLengthHeader(tag, explicitVr ? 'SQ' : undefined));
        this.items(valueStart, next, depth, path, tag, explicitVr);
        this.emit(delimiter(SEQUENCE_DELIMITER));
      } else this.elide(path, tag, vr, el.length);
      pos = next;
    }
  }

  /** An element of undefined length: a sequence (walked), or encapsulated fragments (copied or left out whole). */
  private undefinedLength(
    pos: number,
    tag: number,
    vr: string,
    el: { headerLength: number },
    depth: number,
    path: Elision['path'],
    explicitVr: boolean,
  ): number {
    if (depth >= MAX_SEQUENCE_DEPTH) throw parseFailed('sequences nested too deeply');
    const valueStart = pos + el.headerLength;
    if (vr === 'SQ' || vr === 'UN' || !explicitVr) {
      // An undefined-length UN holds an implicit VR sequence (PS3.5 6.2.2).
      this.copy(pos, el.headerLength);
      return this.items(valueStart, undefined, depth, path, tag, explicitVr && vr !== 'UN');
    }
    const next = this.skipFragments(valueStart);
    const length = next - valueStart;
    if (length <= HEADER_VALUE_LIMIT && this.fits(next - pos)) this.copy(pos, next - pos);
    else this.elide(path, tag, vr, length);
    return next;
  }

  /**
   * The items of a sequence from `pos`: up to `end` (a defined-length sequence being rewritten,
   * whose delimiter the caller writes) or up to and including the sequence delimiter.
   */
  private items(pos: number, end: number | undefined, depth: number, path: Elision['path'], sequence: number, explicitVr: boolean): number {
    for (let index = 0; ; index++) {
      if (end !== undefined && pos >= end) return pos;
      const tag = this.r.tag(pos);
      const length = this.r.uint32(pos + 4);
      if (tag === SEQUENCE_DELIMITER && end === undefined) {
        this.copy(pos, 8);
        return pos + 8;
      }
      if (tag !== ITEM) throw parseFailed(`expected an item at byte ${pos}`);
      const itemPath = [...path, { tag: tagKey(sequence), item: index }];
      if (length === UNDEFINED_LENGTH) {
        this.copy(pos, 8);
        pos = this.dataset(pos + 8, undefined, depth + 1, itemPath, explicitVr);
        continue;
      }
      const next = pos + 8 + length;
      if (next > this.source.size) throw parseFailed(`data set ends inside the item at byte ${pos}`);
      if (length <= HEADER_VALUE_LIMIT && this.fits(8 + length)) this.copy(pos, 8 + length);
      else {
        this.emit(delimiter(ITEM, UNDEFINED_LENGTH));
        this.dataset(pos + 8, next, depth + 1, itemPath, explicitVr);
        this.emit(delimiter(ITEM_DELIMITER));
      }
      pos = next;
    }
  }

  /** Where encapsulated fragments end (after their sequence delimiter). */
  private skipFragments(pos: number): number {
    for (;;) {
      const tag = this.r.tag(pos);
      const length = this.r.uint32(pos + 4);
      pos += 8;
      if (tag === SEQUENCE_DELIMITER) return pos;
      if (tag !== ITEM || length === UNDEFINED_LENGTH) throw parseFailed(`expected a fragment at byte ${pos - 8}`);
      pos += length;
      if (pos > this.source.size) throw parseFailed('data set ends inside a fragment');
    }
  }

  private elementHeader(pos: number, explicitVr: boolean): { vr: string | undefined; headerLength: number; length: number } {
    if (!explicitVr) return { vr: undefined, headerLength: 8, length: this.r.uint32(pos + 4) };
    const vr = this.r.ascii(pos + 4, 2);
    if (!/^[A-Z]{2}$/.test(vr)) throw parseFailed(`invalid value representation at byte ${pos}`);
    if (LONG_VRS.has(vr)) return { vr, headerLength: 12, length: this.r.uint32(pos + 8) };
    return { vr, headerLength: 8, length: this.r.uint16(pos + 6) };
  }

  private elide(path: Elision['path'], tag: number, vr: string, length: number): void {
    this.elided.push({ path, tag: tagKey(tag), vr, length });
  }

  private fits(length: number): boolean {
    return this.outBytes + length <= HEADER_BYTES_LIMIT;
  }

  private emit(bytes: Buffer): void {
    // A copy: the reader's window is reused for the next read.
    this.out.push(Buffer.from(bytes));
    this.outBytes += bytes.length;
  }
}

/**
 * Positioned little-endian reads through a ByteSource; reading past its end is a parse failure.
 * What the source gave last is kept and serves every read it covers: a file on disk gives 64 KB
 * a read, and asking it again for each tag, length and value made some 200 reads (13 MB copied)
 * for one CT header, on the event loop, for each header routing, the API or the start-up check
 * reads.
 */
class Reader {
  private window: Buffer = Buffer.alloc(0);
  private windowAt = 0;

  constructor(private readonly source: ByteSource) {}

  bytes(pos: number, length: number): Buffer {
    const offset = pos - this.windowAt;
    if (offset >= 0 && offset + length <= this.window.length) return this.window.subarray(offset, offset + length);
    const buf = this.source.read(pos, length);
    if (buf.length < length) throw parseFailed(`data set ends early (byte ${pos + buf.length})`);
    this.window = buf;
    this.windowAt = pos;
    return buf.subarray(0, length);
  }

  uint16(pos: number): number {
    return this.bytes(pos, 2).readUInt16LE(0);
  }

  uint32(pos: number): number {
    return this.bytes(pos, 4).readUInt32LE(0);
  }

  tag(pos: number): number {
    const b = this.bytes(pos, 4);
    return ((b.readUInt16LE(0) << 16) | b.readUInt16LE(2)) >>> 0;
  }

  ascii(pos: number, length: number): string {
    return this.bytes(pos, length).toString('latin1');
  }
}

/** The VR the dictionary gives a tag (implicit VR data sets say none); UN when it has none. */
export function dictionaryVr(tag: number): string {
  const key = tagKey(tag);
  const entry = dcmjs.data.DicomMetaDictionary.dictionary[`(${key.slice(0, 4)},${key.slice(4)})`];
  return entry?.vr.split('|')[0] ?? 'UN';
}

function tagKey(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(8, '0');
}

function undefinedLengthHeader(tag: number, vr: string | undefined): Buffer {
  const head = Buffer.alloc(vr ? 12 : 8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  if (vr) {
    head.write(vr, 4, 'latin1');
    head.writeUInt32LE(UNDEFINED_LENGTH, 8);
  } else head.writeUInt32LE(UNDEFINED_LENGTH, 4);
  return head;
}

function delimiter(tag: number, length = 0): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.writeUInt32LE(length, 4);
  return head;
}

function parseFailed(message: string): VigilError {
  return new VigilError('DICOM_PARSE_FAILED', `data set could not be parsed: ${message}`);
}
