import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { ByteSource } from '../dicom/structure-check.js';
import { KeptBytes } from './kept-bytes.js';

/**
 * Network fragments are gathered into writes of this size: small enough that a 512² slice is
 * mostly on its way to disk before its last byte arrives, large enough to keep writes few.
 */
const WRITE_BATCH_BYTES = 256 * 1024;
/** The start and the end of the file are kept in memory, so it need not be read back (KeptBytes). */
const KEPT_BYTES = 64 * 1024;

/**
 * A Writable that streams one received data set into a temp file, behind a prefix (the Part 10
 * header). Memory stays bounded (one write batch, the first and the last 64 KB) whatever the
 * instance's size. It never emits 'error': dcmjs-dimse does not listen for one, and a failed
 * write must become a DIMSE status, not a crash. The failure is kept in `failure`; later data
 * is dropped.
 *
 * The file stays open after the stream ends, so that `moveTo` can rename it into the store and
 * only then flush it (see there), or `discard` can drop it.
 *
 * Opening, renaming and closing are done synchronously: they are quick metadata operations, and
 * each trip through libuv's thread pool cost the one receiving thread more (a thread woken, a
 * context switch) than the call itself. Writes and the flush, which wait on the disk, go to
 * the pool.
 */
export class TempFileWriter extends Writable {
  bytesWritten = 0;
  failure: Error | undefined;
  private fd: number | undefined;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private readonly kept = new KeptBytes(KEPT_BYTES, KEPT_BYTES);

  constructor(
    readonly path: string,
    private readonly prefix: Buffer,
    private readonly fsync: boolean,
    /** A writer that must refuse (no space left): it swallows the data and reports this. */
    refusal?: Error,
  ) {
    // autoDestroy off: the file must stay open after 'finish' for moveTo to flush it. With it
    // on, the stream closed the descriptor at once and the flush silently never happened.
    super({ highWaterMark: 4 * 1024 * 1024, autoDestroy: false });
    this.failure = refusal;
    this.kept.add(prefix);
  }

  /** Where the data set starts in the file. */
  get prefixLength(): number {
    return this.prefix.length;
  }

  /** The first bytes of the file (at most 64 KB), for parsing the header from memory. */
  headBuffer(): Buffer {
    return this.kept.headBuffer();
  }

  /**
   * The whole file once the stream has ended: from memory where it can be, else read from the
   * open file (a header longer than 64 KB, fragments of encapsulated pixel data).
   */
  contents(): ByteSource {
    return this.kept.source((pos, length) => {
      if (this.fd === undefined) throw new Error('the temp file is closed');
      const buf = Buffer.allocUnsafe(Math.min(length, Math.max(0, this.kept.size - pos)));
      const read = fs.readSync(this.fd, buf, 0, buf.length, pos);
      return buf.subarray(0, read);
    });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.failure) return callback();
    try {
      // Read-write: contents() reads back through the same descriptor.
      this.fd = fs.openSync(this.path, 'wx+', 0o640);
    } catch (err) {
      this.failure = err as Error;
    }
    this.queue(this.prefix);
    callback();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.kept.add(chunk);
    this.queue(chunk);
    if (this.batchBytes >= WRITE_BATCH_BYTES) this.flush(callback);
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush(() => callback());
  }

  /**
   * Renames the complete file to `target`, then fsyncs it. On Linux's journaling filesystems
   * (ext4, XFS, btrfs) flushing the file after the rename makes its data and its new name
   * durable in one journal commit, where fsync-rename-fsync(folder) costs two. The name never
   * points at a partial file: every byte was written before the rename. Rejects if the flush
   * fails; the caller then removes the file at `target`.
   */
  async moveTo(target: string): Promise<void> {
    fs.renameSync(this.path, target);
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      if (this.fsync) await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes and deletes the temp file (best effort: the start-up check sweeps what is left). */
  async discard(): Promise<void> {
    this.destroy();
    await this.settled();
    await fs.promises.rm(this.path, { force: true }).catch(() => undefined);
  }

  override _destroy(_error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    this.batch = [];
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

  private queue(chunk: Buffer): void {
    if (this.failure) return;
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
  }

  private flush(callback: () => void): void {
    const chunks = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.failure || this.fd === undefined || chunks.length === 0) return callback();
    this.writeAll(this.fd, chunks, callback);
  }

  /** writev may write less than asked (a full disk does that): go on with the rest or fail. */
  private writeAll(fd: number, chunks: Buffer[], callback: () => void): void {
    fs.writev(fd, chunks, (err, written) => {
      if (err) {
        this.failure = err;
        return callback();
      }
      this.bytesWritten += written;
      const total = chunks.reduce((n, c) => n + c.length, 0);
      if (written === total) return callback();
      if (written === 0) {
        this.failure = new Error('no progress writing the temp file');
        return callback();
      }
      this.writeAll(fd, [Buffer.concat(chunks).subarray(written)], callback);
    });
  }
}
