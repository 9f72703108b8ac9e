import fs from 'node:fs';
import { Writable } from 'node:stream';

/**
 * A Writable that streams one received data set into a temp file, behind a prefix (the Part 10
 * header). It never emits 'error': dcmjs-dimse does not listen for one, and a failed write must
 * become a DIMSE status, not a crash. The failure is kept in `failure` and later data is dropped.
 */
export class TempFileWriter extends Writable {
  bytesWritten = 0;
  failure: Error | undefined;
  private fd: number | undefined;

  constructor(
    readonly path: string,
    private readonly prefix: Buffer,
    private readonly fsync: boolean,
    /** A writer that must refuse (no space left): it swallows the data and reports this. */
    refusal?: Error,
  ) {
    // A generous high-water mark: dcmjs-dimse only awaits 'drain' for the first fragment.
    super({ highWaterMark: 4 * 1024 * 1024 });
    this.failure = refusal;
  }

  /** Where the data set starts in the file. */
  get prefixLength(): number {
    return this.prefix.length;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.failure) return callback();
    fs.open(this.path, 'wx', 0o640, (err, fd) => {
      if (err) {
        this.failure = err;
        return callback();
      }
      this.fd = fd;
      this.writeFully(this.prefix, callback);
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeFully(chunk, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeFully(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    if (fd === undefined) return callback();
    const close = (): void => {
      this.fd = undefined;
      fs.close(fd, () => callback());
    };
    if (!this.fsync || this.failure) return close();
    fs.fsync(fd, (err) => {
      if (err) this.failure = err;
      close();
    });
  }

  override _destroy(_error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return callback();
    fs.close(fd, () => callback());
  }

  /** Waits until everything written so far is on disk (or failed); resolves, never rejects. */
  settled(): Promise<void> {
    if (this.writableFinished || this.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.once('finish', () => resolve());
      this.once('close', () => resolve());
    });
  }

  private writeFully(buf: Buffer, callback: (error?: Error | null) => void, offset = 0): void {
    if (this.failure || this.fd === undefined) return callback();
    fs.write(this.fd, buf, offset, buf.length - offset, null, (err, written) => {
      if (err) {
        this.failure = err;
        return callback();
      }
      this.bytesWritten += written;
      if (offset + written < buf.length) this.writeFully(buf, callback, offset + written);
      else callback();
    });
  }
}
