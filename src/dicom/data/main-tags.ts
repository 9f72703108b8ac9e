import dcmjs from 'dcmjs';
import { INSTANCE_TAGS, PATIENT_TAGS, SERIES_TAGS, STUDY_TAGS, type HeaderSummary } from '../../domain/header-summary.js';
import { TransferSyntax } from './uids.js';
import { ByteWindow } from './byte-window.js';
import type { ByteSource } from './structure-check.js';
import { ITEM, ITEM_DELIMITER, LONG_VRS, MAX_SEQUENCE_DEPTH, SEQUENCE_DELIMITER, UNDEFINED_LENGTH } from './element-encoding.js';

/**
 * Reads the main tags of a received data set straight from its bytes, as summarizeHeader would
 * find them after a full dcmjs parse, for a small fraction of the time: the receive path parsed
 * every header with dcmjs only to keep some forty values, and that parse was its largest cost.
 *
 * It walks element headers (skipping every value but the main tags' and sequences whole) and
 * formats each value the way dcmjs reads and naturalizes it and flattenValue then flattens it.
 * Whatever it is not sure to read the same way it declines (undefined), and the caller parses
 * with dcmjs: big-endian or deflated syntaxes, a character set other than the default, Latin-1
 * or UTF-8, a main tag whose value is not plain ASCII (UTF-8 text excepted), a VR other than
 * the dictionary's, or a header that runs past the bytes given. A test holds it to dcmjs's
 * result on every kind of data set the project makes.
 */

type Vr = 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'PN' | 'SH' | 'TM' | 'UI' | 'US';
type Level = keyof HeaderSummary;

interface Wanted {
  keyword: string;
  vr: Vr;
  level: Level;
}

const SPECIFIC_CHARACTER_SET = 0x00080005;
const PIXEL_DATA = 0x7fe00010;
/** Character sets whose ASCII reads as ASCII, by the name dcmjs normalizes them to. */
const SIMPLE_CHARSETS = new Set(['', 'iso-ir-6', 'iso-ir-100', 'iso-ir-192']);
/** No main tag's VR allows more than this (explicit VR lengths of these VRs are 16 bits). */
const MAX_MAIN_TAG_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8');

/** The main tags by tag number, with the VR and level dcmjs's dictionary gives them. */
const WANTED = buildWanted();
const LAST_WANTED = Math.max(...WANTED.keys());

function buildWanted(): Map<number, Wanted> {
  const byLevel: [Level, readonly string[]][] = [
    ['patient', PATIENT_TAGS],
    ['study', STUDY_TAGS],
    ['series', SERIES_TAGS],
    ['instance', INSTANCE_TAGS],
  ];
  const nameMap = (dcmjs.data.DicomMetaDictionary as unknown as { nameMap: Record<string, { tag: string; vr: string }> }).nameMap;
  const wanted = new Map<number, Wanted>();
  for (const [level, keywords] of byLevel) {
    for (const keyword of keywords) {
      const entry = nameMap[keyword]!;
      const tag = Number.parseInt(entry.tag.replace(/[(),]/g, ''), 16);
      wanted.set(tag, { keyword, vr: entry.vr as Vr, level });
    }
  }
  return wanted;
}

/** Raised inside the walk for anything left to dcmjs; never leaves this module. */
class Decline extends Error {}

/**
 * `bytes` is the whole file (a ByteSource: values it skips are never read, so a large element
 * costs nothing) or its first bytes in a Buffer, `whole` saying whether they are all of it.
 */
export function readMainTags(bytes: Buffer | ByteSource, dataStart: number, transferSyntaxUid: string, whole = true): HeaderSummary | undefined {
  if (transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian || transferSyntaxUid === TransferSyntax.DeflatedExplicitVRLittleEndian) {
    return undefined;
  }
  const source = Buffer.isBuffer(bytes) ? bufferSource(bytes) : bytes;
  try {
    return new MainTagWalker(new ByteWindow(source), transferSyntaxUid !== TransferSyntax.ImplicitVRLittleEndian, whole).read(dataStart);
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

class MainTagWalker {
  private readonly found: { wanted: Wanted; value: Buffer }[] = [];
  private utf8Allowed = false;

  constructor(
    private readonly bytes: ByteWindow,
    private readonly explicitVr: boolean,
    private readonly whole: boolean,
  ) {}

  read(pos: number): HeaderSummary {
    for (;;) {
      if (pos >= this.bytes.size) {
        if (this.whole) break; // no Pixel Data: the data set ends here
        throw new Decline();
      }
      const tag = this.tag(pos);
      if (tag === PIXEL_DATA || tag > LAST_WANTED) break;
      const { vr, valueStart, length } = this.elementHeader(pos, tag);
      if (length === UNDEFINED_LENGTH) {
        if (WANTED.has(tag) || tag === SPECIFIC_CHARACTER_SET) throw new Decline();
        pos = this.skipUndefinedLength(valueStart, 0);
        continue;
      }
      const end = valueStart + length;
      if (end > this.bytes.size) throw new Decline();
      const wanted = WANTED.get(tag);
      // A main tag's value is short; a long one (implicit VR allows 4 GB) is left to dcmjs.
      if ((wanted || tag === SPECIFIC_CHARACTER_SET) && length > MAX_MAIN_TAG_BYTES) throw new Decline();
      if (tag === SPECIFIC_CHARACTER_SET) this.readCharacterSet(this.bytes.copy(valueStart, end));
      if (wanted) {
        if (vr !== undefined && vr !== wanted.vr) throw new Decline();
        this.found.push({ wanted, value: this.bytes.copy(valueStart, end) });
      }
      pos = end;
    }
    const summary: HeaderSummary = { patient: {}, study: {}, series: {}, instance: {} };
    for (const { wanted, value } of this.found) {
      const text = this.format(wanted.vr, value);
      if (text !== undefined) (summary[wanted.level])[wanted.keyword] = text;
    }
    return summary;
  }

  private readCharacterSet(value: Buffer): void {
    const text = ascii(value);
    if (text.includes('\\')) throw new Decline();
    const coding = text.trim().replace(/[_ ]/g, '-').toLowerCase();
    if (!SIMPLE_CHARSETS.has(coding)) throw new Decline();
    this.utf8Allowed = coding === 'iso-ir-192';
  }

  /** One value as flattenValue(dcmjs's naturalized value) gives it; undefined: none. */
  private format(vr: Vr, value: Buffer): string | undefined {
    switch (vr) {
      case 'US': {
        if (value.length === 0) return '0'; // dcmjs's default for an empty US
        if (value.length % 2 !== 0) throw new Decline();
        const numbers: string[] = [];
        for (let at = 0; at < value.length; at += 2) numbers.push(String(value.readUInt16LE(at)));
        return numbers.join('\\');
      }
      case 'DS':
      case 'IS': {
        const numbers = ascii(value).split('\\').map(parseNumber);
        if (numbers.length === 1) return numbers[0];
        return numbers.map((n) => n ?? '').join('\\');
      }
      case 'CS':
        return joinParts(ascii(value).split('\\').map((s) => s.trim()));
      case 'DA':
        return joinParts(ascii(value).split('\\'));
      case 'TM':
        return joinParts(ascii(value).replace(/\s*$/g, '').split('\\'));
      case 'UI': {
        // The trailing NUL pad goes first; then anything but digits and dots, backslashes too
        // unless they part several UIDs.
        const text = ascii(value.length > 0 && value[value.length - 1] === 0 ? value.subarray(0, -1) : value);
        return joinParts(text.split('\\').map((uid) => uid.replace(/[^0-9.]/g, '')));
      }
      case 'LO':
      case 'SH':
        return joinParts(this.text(value).trim().split('\\'));
      case 'PN':
        return this.personName(value);
    }
  }

  /**
   * PN: one trailing pad space dropped, empty names dropped, the alphabetic group of each (dcmjs
   * keeps even a single name as a list, so a name without one flattens to an empty string).
   */
  private personName(value: Buffer): string | undefined {
    let text = this.text(value);
    if (text.length === 0 || text.endsWith(' ')) text = text.slice(0, -1);
    const names = text.split('\\').filter(Boolean);
    if (names.length === 0) return undefined;
    return names.map((name) => name.split('=')[0]!).join('\\');
  }

  /** Text of a VR decoded by the character set: ASCII everywhere, UTF-8 when declared. */
  private text(value: Buffer): string {
    if (isPlainAscii(value)) return value.toString('latin1');
    if (!this.utf8Allowed) throw new Decline();
    return utf8.decode(value);
  }

  private tag(pos: number): number {
    if (pos + 4 > this.bytes.size) throw new Decline();
    return this.bytes.tag(pos);
  }

  private elementHeader(pos: number, tag: number): { vr: string | undefined; valueStart: number; length: number } {
    if (tag === ITEM || tag === ITEM_DELIMITER || tag === SEQUENCE_DELIMITER) throw new Decline();
    if (pos + 8 > this.bytes.size) throw new Decline();
    if (!this.explicitVr) return { vr: undefined, valueStart: pos + 8, length: this.bytes.uint32(pos + 4) };
    const vr = this.bytes.ascii(pos + 4, 2);
    if (LONG_VRS.has(vr)) {
      if (pos + 12 > this.bytes.size) throw new Decline();
      return { vr, valueStart: pos + 12, length: this.bytes.uint32(pos + 8) };
    }
    return { vr, valueStart: pos + 8, length: this.bytes.uint16(pos + 6) };
  }

  /** Skips the items of an undefined-length sequence; returns where the data set goes on. */
  private skipUndefinedLength(pos: number, depth: number): number {
    if (depth > MAX_SEQUENCE_DEPTH) throw new Decline();
    for (;;) {
      const tag = this.tag(pos);
      if (pos + 8 > this.bytes.size) throw new Decline();
      const length = this.bytes.uint32(pos + 4);
      pos += 8;
      if (tag === SEQUENCE_DELIMITER) return pos;
      if (tag !== ITEM) throw new Decline();
      pos = length === UNDEFINED_LENGTH ? this.skipItemElements(pos, depth + 1) : pos + length;
    }
  }

  /** Skips the elements of an undefined-length item up to its delimiter. */
  private skipItemElements(pos: number, depth: number): number {
    for (;;) {
      const tag = this.tag(pos);
      if (tag === ITEM_DELIMITER) return pos + 8;
      const { valueStart, length } = this.elementHeader(pos, tag);
      pos = length === UNDEFINED_LENGTH ? this.skipUndefinedLength(valueStart, depth + 1) : valueStart + length;
    }
  }
}

function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: (pos) => bytes.subarray(pos) };
}

/** dcmjs reads DS and IS as numbers (null when empty); flattenValue writes finite ones back. */
function parseNumber(text: string): string | undefined {
  const cleaned = text.trim().replace(/[^0-9.\\\-+e]/gi, '');
  if (cleaned === '') return undefined;
  const n = Number(cleaned);
  return Number.isFinite(n) ? String(n) : undefined;
}

/** flattenValue of a string or a list of strings: each without trailing blanks or NULs. */
function joinParts(parts: string[]): string {
  return parts.map((p) => p.replace(/[\s\0]+$/, '')).join('\\');
}

function ascii(value: Buffer): string {
  if (!isPlainAscii(value)) throw new Decline();
  return value.toString('latin1');
}

/** Bytes below 0x80 and no ESC (the start of an ISO 2022 escape sequence). */
function isPlainAscii(value: Buffer): boolean {
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (b >= 0x80 || b === 0x1b) return false;
  }
  return true;
}
