import { VigilError } from '../core/errors.js';

/**
 * Token hashing (scrypt) runs in libuv's thread pool (4 threads by default, 16 under `npm start`),
 * which every C-STORE file write and fsync shares, and each run takes a CPU core and 16 MiB for
 * tens of milliseconds. Hashes therefore take turns: at most `concurrency` run at once, at most
 * `maxWaiting` wait, and any further one is refused at once (AUTH_BUSY) instead of queueing
 * without bound. With one slot, every other pool thread is always left to storage.
 */
export class HashSlots {
  /** Hashes started since this object was made (read by tests and the bench). */
  started = 0;
  /** The most that ever ran at the same time. */
  peakRunning = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency = 1,
    readonly maxWaiting = 32,
  ) {}

  async run<T>(hash: () => Promise<T>): Promise<T> {
    await this.acquire();
    this.started += 1;
    this.peakRunning = Math.max(this.peakRunning, this.running);
    try {
      return await hash();
    } finally {
      this.release();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }

  private acquire(): Promise<void> | void {
    if (this.running < this.concurrency) {
      this.running += 1;
      return;
    }
    if (this.waiting.length >= this.maxWaiting) {
      throw new VigilError('AUTH_BUSY', 'too many token checks are waiting; try again shortly');
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, if any, rather than freeing it (no overtaking). */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
