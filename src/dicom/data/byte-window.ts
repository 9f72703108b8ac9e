/** The bytes of a file, wherever they are kept. */
export interface ByteSource {
  readonly size: number;
  /** Bytes from `pos`: at least `atLeast` of them unless the file ends first. */
  read(pos: number, atLeast: number): Buffer;
}

/**
 * Positioned little-endian reads through a ByteSource, one window at a time, so that walking a
 * large file touches only its element headers. Reads past the end give zeros: the walkers check a
 * position against `size` before they rely on what they read there.
 */
export class ByteWindow {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(private readonly source: ByteSource) {}

  get size(): number {
    return this.source.size;
  }

  tag(pos: number): number {
    return ((this.uint16(pos) << 16) | this.uint16(pos + 2)) >>> 0;
  }

  uint16(pos: number): number {
    return this.window(pos, 2).readUInt16LE(pos - this.start);
  }

  uint32(pos: number): number {
    return this.window(pos, 4).readUInt32LE(pos - this.start);
  }

  ascii(pos: number, n: number): string {
    return this.window(pos, n).toString('latin1', pos - this.start, pos - this.start + n);
  }

  /** A copy: the window moves on with the next read. */
  copy(start: number, end: number): Buffer {
    return Buffer.from(this.window(start, end - start).subarray(start - this.start, end - this.start));
  }

  private window(pos: number, n: number): Buffer {
    if (pos >= this.start && pos + n <= this.start + this.buf.length) return this.buf;
    const bytes = this.source.read(pos, n);
    this.buf = bytes.length >= n ? bytes : Buffer.concat([bytes, Buffer.alloc(n - bytes.length)]);
    this.start = pos;
    return this.buf;
  }
}
