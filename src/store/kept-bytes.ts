import type { ByteSource } from '../dicom/data/structure-check.js';

/** Reads that memory cannot serve fetch this much, so a walk through large sequences reads few times. */
const FILE_READ_BYTES = 64 * 1024;

/**
 * The first and the last bytes of a file as it streams to disk, kept in memory so that the
 * received data set can be checked and its header parsed without opening and reading the file
 * again: for an ordinary instance the header and the Pixel Data element's header are in the
 * first 64 KB, and whatever follows the pixels is in the last 64 KB.
 */
export class KeptBytes {
  /** Bytes seen so far, i.e. the file's size once the stream has ended. */
  size = 0;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private headJoined: Buffer | undefined;
  private tail: Buffer[] = [];
  private tailBytes = 0;

  constructor(
    private readonly headLimit: number,
    private readonly tailLimit: number,
  ) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    // Views, not copies, at both ends: the network buffers are never reused, and the head is
    // copied once, when it is joined (a copy here too cost a second 64 KB copy per instance).
    if (this.headBytes < this.headLimit) {
      const part = chunk.subarray(0, this.headLimit - this.headBytes);
      this.head.push(part);
      this.headBytes += part.length;
      this.headJoined = undefined;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailLimit) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  /** The first bytes of the file (at most headLimit). */
  headBuffer(): Buffer {
    this.headJoined ??= Buffer.concat(this.head);
    return this.headJoined;
  }

  /**
   * The file as a ByteSource: served from memory where the kept bytes cover a read, from
   * `readFile` (positioned reads of the file itself) elsewhere.
   */
  source(readFile: (pos: number, length: number) => Buffer): ByteSource {
    const size = this.size;
    const head = this.headBuffer();
    let tail: Buffer | undefined;
    return {
      size,
      read: (pos, atLeast) => {
        const end = Math.min(size, pos + atLeast);
        if (end <= head.length) return head.subarray(pos);
        const tailStart = size - this.tailBytes;
        if (pos >= tailStart) {
          tail ??= Buffer.concat(this.tail);
          return tail.subarray(pos - tailStart);
        }
        return readFile(pos, Math.max(atLeast, FILE_READ_BYTES));
      },
    };
  }
}
