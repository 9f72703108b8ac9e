import { dictionaryVr } from './header-compact.js';
import { ITEM, ITEM_DELIMITER, LONG_VRS, MAX_SEQUENCE_DEPTH, SEQUENCE_DELIMITER, UNDEFINED_LENGTH } from './element-encoding.js';
import { ByteWindow, type ByteSource } from './byte-window.js';

/**
 * Walks the element structure of a data set (tags, VRs, lengths, sequence items and
 * encapsulated fragments) without reading values, to prove that a received file is whole.
 * The header parser stops at Pixel Data, so without this a data set cut short inside its
 * pixels would be acknowledged.
 */
export type StructureProblem =
  | { kind: 'truncated'; at: number }
  | { kind: 'malformed'; at: number; reason: string }
  | { kind: 'too-large'; at: number; tag: number; length: number };

/** Float, double float and plain Pixel Data (7FE0,0008/0009/0010): the bulk of an image is meant to be there. */
const PIXEL_DATA_TAGS: ReadonlySet<number> = new Set([0x7fe00008, 0x7fe00009, 0x7fe00010]);

/** Declared with the byte window (which reads it), so that the header walkers import no circle. */
export type { ByteSource } from './byte-window.js';

/**
 * `maxElementBytes` bounds the value of any element outside Pixel Data (a sequence is not an
 * element value here: what it holds is). Elements are seen as far as the walk goes: inside
 * undefined-length sequences, not inside defined-length ones, which are skipped whole.
 */
export function checkDatasetStructure(
  source: ByteSource,
  dataStart: number,
  explicitVr: boolean,
  maxElementBytes = Number.POSITIVE_INFINITY,
): StructureProblem | undefined {
  // A C-STORE whose data set has no bytes at all: nothing to understand.
  if (source.size <= dataStart) return { kind: 'malformed', at: dataStart, reason: 'empty data set' };
  const reader = new ByteWindow(source);
  const result = new Walker(reader, explicitVr, maxElementBytes).walkDataset(dataStart, reader.size, 0);
  if (!('kind' in result)) return undefined;
  // Cut short before a single whole element: that is not a data set at all.
  if (result.kind === 'truncated' && result.at <= dataStart + 12) return { kind: 'malformed', at: result.at, reason: 'no data element' };
  return result;
}

class Walker {
  constructor(
    private readonly r: ByteWindow,
    private readonly explicitVr: boolean,
    private readonly maxElementBytes: number,
  ) {}

  /**
   * Walks elements from `pos` up to `end`; with `end` undefined (an undefined-length item),
   * up to and including its item delimiter. Returns where the walk stopped.
   */
  walkDataset(pos: number, end: number | undefined, depth: number): StructureProblem | { next: number } {
    const limit = end ?? this.r.size;
    let previousTag = -1;
    while (pos < limit) {
      if (pos + 8 > this.r.size) return { kind: 'truncated', at: pos };
      const tag = this.r.tag(pos);
      // Data elements are in ascending tag order (PS3.5 7.1); garbage almost never is.
      if (tag !== ITEM_DELIMITER && tag <= previousTag) return { kind: 'malformed', at: pos, reason: 'data elements out of order' };
      previousTag = tag;
      if (tag === ITEM_DELIMITER) {
        if (end !== undefined) return { kind: 'malformed', at: pos, reason: 'item delimiter inside a defined-length item' };
        return { next: pos + 8 };
      }
      const el = this.readElementHeader(pos, tag);
      if ('kind' in el) return el;
      pos = el.valueStart;
      if (el.length === UNDEFINED_LENGTH) {
        if (depth >= MAX_SEQUENCE_DEPTH) return { kind: 'malformed', at: pos, reason: 'sequences nested too deeply' };
        const nested = this.walkUndefinedSequence(pos, depth + 1);
        if ('kind' in nested) return nested;
        pos = nested.next;
      } else {
        if (el.length > this.maxElementBytes && !(depth === 0 && PIXEL_DATA_TAGS.has(tag)) && (el.vr ?? dictionaryVr(tag)) !== 'SQ') {
          return { kind: 'too-large', at: pos - el.headerLength, tag, length: el.length };
        }
        if (pos + el.length > this.r.size) return { kind: 'truncated', at: pos };
        pos += el.length;
      }
    }
    if (end === undefined) return { kind: 'truncated', at: pos };
    if (pos > limit) return { kind: 'malformed', at: pos, reason: 'element runs past the end of its item' };
    return { next: pos };
  }

  /** Items of an undefined-length sequence or encapsulated pixel data, up to the delimiter. */
  private walkUndefinedSequence(pos: number, depth: number): StructureProblem | { next: number } {
    for (;;) {
      if (pos + 8 > this.r.size) return { kind: 'truncated', at: pos };
      const tag = this.r.tag(pos);
      const length = this.r.uint32(pos + 4);
      pos += 8;
      if (tag === SEQUENCE_DELIMITER) return { next: pos };
      if (tag !== ITEM) return { kind: 'malformed', at: pos - 8, reason: 'expected an item inside a sequence' };
      if (length === UNDEFINED_LENGTH) {
        const item = this.walkDataset(pos, undefined, depth);
        if ('kind' in item) return item;
        pos = item.next;
      } else {
        if (pos + length > this.r.size) return { kind: 'truncated', at: pos };
        pos += length;
      }
    }
  }

  private readElementHeader(pos: number, tag: number): { valueStart: number; length: number; headerLength: number; vr?: string } | StructureProblem {
    if (tag === ITEM || tag === SEQUENCE_DELIMITER) {
      return { kind: 'malformed', at: pos, reason: 'delimiter outside a sequence' };
    }
    if (!this.explicitVr) return { valueStart: pos + 8, length: this.r.uint32(pos + 4), headerLength: 8 };
    const vr = this.r.ascii(pos + 4, 2);
    if (!/^[A-Z]{2}$/.test(vr)) return { kind: 'malformed', at: pos, reason: 'invalid value representation' };
    if (LONG_VRS.has(vr)) {
      if (pos + 12 > this.r.size) return { kind: 'truncated', at: pos };
      return { valueStart: pos + 12, length: this.r.uint32(pos + 8), headerLength: 12, vr };
    }
    return { valueStart: pos + 8, length: this.r.uint16(pos + 6), headerLength: 8, vr };
  }
}

