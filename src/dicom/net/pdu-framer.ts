/**
 * Cuts the byte stream of an association into PDUs (PS3.8 9.3: a 1-byte type, a reserved byte,
 * a 4-byte big-endian length, then the body).
 *
 * P-DATA-TF PDUs, which carry the instances, are not gathered whole: their PDVs (PS3.8 9.3.5)
 * come out piece by piece as the network reads bring them, each piece a view of a read, never a
 * copy. A 512² slice thus goes from the socket to its file without being copied in between
 * (dcmjs-dimse's accumulator concatenated everything received so far with every read). Every
 * other PDU comes out whole: a view when it lies within one read, else joined once.
 */
import { PDV_HEADER_BYTES, P_DATA_TF, readControlHeader } from './pdata-tf.js';

export interface PdvPiece {
  contextId: number;
  /** The PDV carries a command (else a data set) fragment. */
  command: boolean;
  /** The PDV is the last fragment of its command or data set. */
  last: boolean;
  value: Buffer;
  /** This piece ends its PDV. */
  ends: boolean;
}

export type Framed = { pdu: Buffer } | { piece: PdvPiece } | { error: string; kind: 'unknown-type' | 'too-long' | 'bad-pdata' };

const HEADER_BYTES = 6;
/** PDU types of PS3.8 9.3 (0xFF: dcmjs-dimse's no-op). */
const KNOWN_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);

interface OpenPdv {
  contextId: number;
  command: boolean;
  last: boolean;
  left: number;
}

export class PduFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the PDU being gathered (any but P-DATA-TF), header included, once its header is in. */
  private expected: number | undefined;
  /** Body bytes left in the P-DATA-TF PDU being read, PDV headers included. */
  private pdataLeft: number | undefined;
  /** The PDV being read, and how much of its value is still to come. */
  private pdv: OpenPdv | undefined;
  private failed = false;

  /** @param maxPduBytes the largest PDU body accepted; a longer one is an error, never buffered. */
  constructor(private readonly maxPduBytes: number) {}

  /** Takes one network read; returns what it completed, in order, or ends with an error. */
  push(chunk: Buffer): Framed[] {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Framed[] = [];
    for (;;) {
      if (this.pdataLeft !== undefined) {
        if (this.readPdata(out) !== 'progress') return out;
        continue;
      }
      if (this.expected === undefined) {
        if (this.buffered < HEADER_BYTES) return out;
        const head = this.copyFront(HEADER_BYTES);
        const type = head[0]!;
        const length = head.readUInt32BE(2);
        if (!KNOWN_TYPES.has(type)) return this.fail(out, 'unknown-type', `unknown PDU type 0x${type.toString(16).padStart(2, '0')}`);
        if (length > this.maxPduBytes) return this.fail(out, 'too-long', `PDU of ${length} bytes is larger than the ${this.maxPduBytes} accepted`);
        if (type === P_DATA_TF) {
          if (length === 0) return this.fail(out, 'bad-pdata', 'P-DATA-TF without a PDV');
          this.take(HEADER_BYTES);
          this.pdataLeft = length;
          continue;
        }
        this.expected = HEADER_BYTES + length;
      }
      if (this.buffered < this.expected) return out;
      out.push({ pdu: this.take(this.expected) });
      this.expected = undefined;
    }
  }

  /** One step inside a P-DATA-TF body: a PDV header, or the next piece of a PDV's value. */
  private readPdata(out: Framed[]): 'wait' | 'failed' | 'progress' {
    const pdv = this.pdv;
    if (pdv === undefined) {
      if (this.pdataLeft === 0) {
        this.pdataLeft = undefined;
        return 'progress';
      }
      if (this.pdataLeft! < PDV_HEADER_BYTES) return this.failPdata(out, 'a PDV header runs past its PDU');
      if (this.buffered < PDV_HEADER_BYTES) return 'wait';
      const head = this.take(PDV_HEADER_BYTES);
      const itemLength = head.readUInt32BE(0);
      // The item length counts the context ID and the control header: at least 2.
      if (itemLength < 2 || 4 + itemLength > this.pdataLeft!) return this.failPdata(out, 'a PDV runs past its PDU');
      this.pdataLeft! -= 4 + itemLength;
      const opened = { contextId: head[4]!, ...readControlHeader(head[5]!), left: itemLength - 2 };
      if (opened.left === 0) out.push({ piece: { ...withoutLeft(opened), value: Buffer.alloc(0), ends: true } });
      else this.pdv = opened;
      return 'progress';
    }
    if (this.buffered === 0) return 'wait';
    // What the first read holds of the value: a view, never a copy.
    const value = this.take(Math.min(pdv.left, this.chunks[0]!.length));
    pdv.left -= value.length;
    const ends = pdv.left === 0;
    if (ends) this.pdv = undefined;
    out.push({ piece: { ...withoutLeft(pdv), value, ends } });
    return 'progress';
  }

  private failPdata(out: Framed[], error: string): 'failed' {
    this.fail(out, 'bad-pdata', error);
    return 'failed';
  }

  private fail(out: Framed[], kind: 'unknown-type' | 'too-long' | 'bad-pdata', error: string): Framed[] {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    out.push({ error, kind });
    return out;
  }

  /** A copy of the first n buffered bytes (n ≤ buffered), left in place. */
  private copyFront(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = 0; filled < n; i++) filled += this.chunks[i]!.copy(out, filled, 0, n - filled);
    return out;
  }

  /** Removes and returns the first n buffered bytes (n ≤ buffered): a view when they lie in one read. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length > n) this.chunks[0] = first.subarray(n);
      else this.chunks.shift();
      return first.subarray(0, n);
    }
    const result = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    for (; filled < n; i++) {
      const chunk = this.chunks[i]!;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(result, filled, 0, part);
      filled += part;
      if (part < chunk.length) {
        this.chunks[i] = chunk.subarray(part);
        break;
      }
    }
    this.chunks = this.chunks.slice(i);
    return result;
  }
}

function withoutLeft({ contextId, command, last }: OpenPdv): Omit<PdvPiece, 'value' | 'ends'> {
  return { contextId, command, last };
}
