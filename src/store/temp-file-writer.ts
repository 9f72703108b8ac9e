import fs from 'node:fs';
import nodePath from 'node:path';
import { EventEmitter } from 'node:events';
import type { ByteSource } from '../dicom/data/structure-check.js';
import { KeptBytes } from './kept-bytes.js';
import type { SpaceBudget } from './free-space.js';

/**
 * Network fragments are gathered into writes of this size: small enough that a 512² slice is
 * mostly on its way to disk before its last byte arrives, large enough to keep writes few.
 */
const WRITE_BATCH_BYTES = 256 * 1024;
/**
 * Data waiting to be written beyond which the sender is asked to wait (TCP back-pressure). At
 * 4 MB, four associations each sending a 200 MB instance grew the node's RSS by 80 MB; at 1 MB
 * by 30-35 MB, no slower. An ordinary slice (under 1 MB) never reaches it.
 */
const HIGH_WATER_BYTES = 1024 * 1024;
/** The start and the end of the file are kept in memory, so it need not be read back (KeptBytes). */
const KEPT_BYTES = 64 * 1024;

/**
 * Streams one received data set into a temp file, behind a prefix (the Part 10 header). Memory
 * stays bounded (the data not yet written, the first and the last 64 KB) whatever the
 * instance's size. It never throws for a failed write: the failure must become a DIMSE status,
 * not a crash. It is kept in `failure`, and later data is dropped.
 *
 * One write is in flight at a time; what arrives meanwhile joins the next one, so a slow disk
 * gets fewer, larger writes. `write` returns false while more than the high-water mark waits
 * (the SCP then stops reading the socket until 'drain').
 *
 * A plain object rather than a Node Writable: the SCP feeds it directly, and the stream
 * machinery cost the receiving thread more than the writes themselves (and once, by closing
 * the descriptor on 'finish', silently cost the flush).
 *
 * The file stays open after the data ends, so that `moveTo` can rename it into the store and
 * only then flush it (see there), or `discard` can drop it. Opening, renaming and closing are
 * synchronous: done in libuv's pool, or on dedicated file-system threads, they measured no
 * faster, as each trip costs the receiving thread a wake-up of another thread (README,
 * "Receiving benchmark"). Writes and the flush, which wait on the disk, go to the pool.
 */
export class TempFileWriter extends EventEmitter {
  /** Where the data set starts in the file. */
  readonly prefixLength: number;
  bytesWritten = 0;
  failure: Error | undefined;
  private fd: number | undefined;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private writing = false;
  private ended = false;
  private closed = false;
  /** Resolvers waiting for every byte to be written (or to have failed). */
  private waiters: (() => void)[] = [];
  private readonly kept = new KeptBytes(KEPT_BYTES, KEPT_BYTES);
  /** Bytes taken from the space budget and not yet written. */
  private held = 0;
  /** Where renameTo put the file: its folder is fsynced with it. */
  private target: string | undefined;

  constructor(
    readonly path: string,
    prefix: Buffer,
    private readonly fsync: boolean,
    /** A writer that must refuse (no space left): it swallows the data and reports this. */
    refusal?: Error,
    /** Asked before each chunk is taken (storage.minFreeMb): a chunk it refuses fails the writer as a refusal would. */
    private readonly budget?: SpaceBudget,
  ) {
    super();
    this.failure = refusal;
    this.prefixLength = prefix.length;
    if (!this.failure) {
      try {
        // Read-write: contents() reads back through the same descriptor.
        this.fd = fs.openSync(path, 'wx+', 0o640);
      } catch (err) {
        this.failure = err as Error;
      }
    }
    this.write(prefix);
  }

  /** The first bytes of the file (at most 64 KB), for parsing the header from memory. */
  headBuffer(): Buffer {
    return this.kept.headBuffer();
  }

  /**
   * The whole file once the data has ended: from memory where it can be, else read from the
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

  /** Takes the next bytes; false when the caller should wait for 'drain' before more. */
  write(chunk: Buffer): boolean {
    if (this.ended) return true; // discarded, or a sender that goes on after its last fragment: dropped
    this.kept.add(chunk);
    if (this.failure || this.closed) return true;
    if (this.budget) {
      if (!this.budget.take(chunk.length)) {
        this.failure = new Error('free space below storage.minFreeMb');
        return true; // what is batched is dropped (and given back) by the next startWrite
      }
      this.held += chunk.length;
    }
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= WRITE_BATCH_BYTES) this.startWrite();
    return this.batchBytes < HIGH_WATER_BYTES;
  }

  /** No more data: what is left is written. */
  end(): void {
    this.ended = true;
    this.startWrite();
  }

  /** Waits until everything written so far is on disk (or failed); resolves, never rejects. */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Renames the complete file to `target`, then fsyncs it and its folder. On Linux's journaling
   * filesystems (ext4, XFS, btrfs) flushing the file after the rename makes its data and its new
   * name durable in one journal commit, so the folder's fsync that follows finds nothing left to
   * write; POSIX promises the name only with the folder's fsync, and on other filesystems (NFS
   * among them: config/cluster/README.md) that is what makes it durable. The name never points
   * at a partial file: every byte was written before the rename. Rejects if a flush fails; the
   * caller then removes the file at `target`.
   */
  async moveTo(target: string): Promise<void> {
    this.renameTo(target);
    await this.flush();
  }

  /**
   * The first half of moveTo: the complete file takes its name in the store, not yet flushed.
   * The caller must then call `flush` (a group commit flushes its members together).
   */
  renameTo(target: string): void {
    fs.renameSync(this.path, target);
    this.target = target;
  }

  /** The second half of moveTo: fsyncs the file (when fsync is on) and closes it. Rejects if the flush fails. */
  async flush(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    this.closed = true;
    if (fd === undefined) return;
    try {
      if (this.fsync) await fsyncFd(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (this.fsync && this.target !== undefined) await fsyncFolder(nodePath.dirname(this.target));
  }

  /** Closes and deletes the temp file (best effort: the start-up check sweeps what is left). */
  async discard(): Promise<void> {
    this.ended = true;
    this.closed = true;
    this.batch = [];
    this.batchBytes = 0;
    await this.settled();
    this.giveBack();
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    await fs.promises.rm(this.path, { force: true }).catch(() => undefined);
  }

  private isSettled(): boolean {
    return !this.writing && (this.batchBytes === 0 || this.failure !== undefined || this.closed);
  }

  /** Writes the batch unless a write is in flight (its completion writes what came meanwhile). */
  private startWrite(): void {
    if (this.writing) return;
    const chunks = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.failure || this.fd === undefined || chunks.length === 0) {
      this.giveBack();
      return this.wrote();
    }
    this.writing = true;
    this.writeAll(this.fd, chunks, () => {
      this.writing = false;
      this.giveBack();
      if (this.batchBytes >= WRITE_BATCH_BYTES || (this.ended && this.batchBytes > 0)) this.startWrite();
      else this.wrote();
    });
  }

  /** Bytes taken from the budget that will not be written now: nothing is in flight, so every held byte is in a dropped batch. */
  private giveBack(): void {
    if (this.writing || this.held === 0) return;
    if (this.failure || this.closed || this.fd === undefined) {
      this.budget?.release(this.held);
      this.held = 0;
    }
  }

  /** A write finished with nothing more to start now: wake whoever waits. */
  private wrote(): void {
    if (this.batchBytes < HIGH_WATER_BYTES) this.emit('drain');
    if (!this.isSettled()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** writev may write less than asked (a full disk does that): go on with the rest or fail. */
  private writeAll(fd: number, chunks: Buffer[], callback: () => void): void {
    fs.writev(fd, chunks, (err, written) => {
      if (err) {
        this.failure = err;
        return callback();
      }
      this.bytesWritten += written;
      if (this.budget) {
        this.budget.written(written);
        this.held -= written;
      }
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

function fsyncFd(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** The folder's entries (the name just renamed into it) made durable: fs.fsync on the folder, as for the file. */
async function fsyncFolder(dir: string): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(dir, 'r', (err, opened) => (err ? reject(err) : resolve(opened))));
  try {
    await fsyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}
