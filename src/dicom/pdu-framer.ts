/**
 * Cuts the byte stream of an association into whole PDUs (PS3.8 9.3: a 1-byte type, a reserved
 * byte, a 4-byte big-endian length, then the body).
 *
 * It replaces dcmjs-dimse's accumulator, which concatenates everything received so far with
 * every network read: a 256 KB P-DATA-TF arriving in 64 KB reads was copied four times over,
 * and the copies were the largest allocation churn of the receive path. Here the reads are
 * only kept, and joined once, when a PDU is complete; a PDU that lies within one read is a view
 * of it, never a copy.
 */
export type FramedPdu = { pdu: Buffer } | { error: string; kind: 'unknown-type' | 'too-long' };

const HEADER_BYTES = 6;
/** PDU types of PS3.8 9.3 (0xFF: dcmjs-dimse's no-op). */
const KNOWN_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);

export class PduFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the PDU being gathered, header included, once its header is in. */
  private expected: number | undefined;
  private failed = false;

  /** @param maxPduBytes the largest PDU body accepted; a longer one is an error, never buffered. */
  constructor(private readonly maxPduBytes: number) {}

  /** Takes one network read; returns the PDUs it completed, in order, or ends with an error. */
  push(chunk: Buffer): FramedPdu[] {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: FramedPdu[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < HEADER_BYTES) return out;
        const head = this.copyFront(HEADER_BYTES);
        const type = head[0]!;
        const length = head.readUInt32BE(2);
        if (!KNOWN_TYPES.has(type)) return this.fail(out, 'unknown-type', `unknown PDU type 0x${type.toString(16).padStart(2, '0')}`);
        if (length > this.maxPduBytes) return this.fail(out, 'too-long', `PDU of ${length} bytes is larger than the ${this.maxPduBytes} accepted`);
        this.expected = HEADER_BYTES + length;
      }
      if (this.buffered < this.expected) return out;
      out.push({ pdu: this.take(this.expected) });
      this.expected = undefined;
    }
  }

  private fail(out: FramedPdu[], kind: 'unknown-type' | 'too-long', error: string): FramedPdu[] {
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

  /** Removes and returns the first n buffered bytes: a view when they lie in one read. */
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
