import { VigilError } from '../../core/errors.js';

/**
 * MLLP (HL7 v2 Minimal Lower Layer Protocol, release 2): each message travels as
 * <VT> message <FS><CR>. This codec is shared by our client and server sides.
 */
export const START_BLOCK = 0x0b;
export const END_BLOCK = 0x1c;
export const CARRIAGE_RETURN = 0x0d;

/** Default limit of one frame; larger frames are refused rather than buffered without end. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export function encodeFrame(message: string): Buffer {
  return Buffer.concat([Buffer.from([START_BLOCK]), Buffer.from(message, 'utf8'), Buffer.from([END_BLOCK, CARRIAGE_RETURN])]);
}

/**
 * Turns a byte stream into messages. Chunks may split a frame anywhere or carry several;
 * bytes outside a frame (line noise, a peer's keep-alive newline) are skipped and counted.
 * A frame over the limit throws MLLP_FRAME_TOO_LARGE: the connection should then be closed.
 */
export class FrameDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** Bytes seen outside any frame. */
  skippedBytes = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Feeds bytes; returns the messages completed by them, in order. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.inFrame) {
        const start = chunk.indexOf(START_BLOCK, i);
        if (start < 0) {
          this.skippedBytes += chunk.length - i;
          break;
        }
        this.skippedBytes += start - i;
        this.inFrame = true;
        i = start + 1;
        continue;
      }
      const end = chunk.indexOf(END_BLOCK, i);
      if (end < 0) {
        this.append(chunk.subarray(i));
        break;
      }
      this.append(chunk.subarray(i, end));
      out.push(Buffer.concat(this.parts, this.size).toString('utf8'));
      this.reset();
      // The CR after FS belongs to the trailer; anything else after FS is outside a frame.
      i = end + 1;
      if (chunk[i] === CARRIAGE_RETURN) i++;
    }
    return out;
  }

  /** True while a frame has started and not ended (a peer that closes now lost a message). */
  get pending(): boolean {
    return this.inFrame;
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (this.size > this.maxFrameBytes) {
      this.reset();
      throw new VigilError('MLLP_FRAME_TOO_LARGE', `an MLLP frame exceeded ${this.maxFrameBytes} bytes`);
    }
    this.parts.push(Buffer.from(part));
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
  }
}
