import fs from 'node:fs';

/** How often the disk itself is asked (statfs); in between, bytes written are counted. */
const SAMPLE_MS = 2000;
const MB = 1024 * 1024;

/** What a writer asks before each write, and tells once the bytes are on disk or dropped. */
export interface SpaceBudget {
  /** Takes `bytes` about to be written: false (and nothing taken) when there is no room for them. */
  take(bytes: number): boolean;
  /** Bytes taken earlier are now written. */
  written(bytes: number): void;
  /** Bytes taken earlier will not be written (a failed or discarded file). */
  release(bytes: number): void;
}

/**
 * The storage.minFreeMb floor, held to the byte. Asking the disk for every network fragment
 * would cost a system call each; asking only every 2 s let a fast push write past the floor
 * (90 instances a second write 45 MB in that time) and on to ENOSPC. So the disk is sampled
 * every 2 s, and taken off the sample are the bytes written since and the bytes in flight
 * (taken by a writer, not yet written): a write that would go below the floor is refused
 * before it is made.
 *
 * Bytes freed meanwhile (a discarded temp file, retention) count only from the next sample, and
 * a write the disk finished just before a sample may count twice: the estimate errs on the
 * side of refusing.
 */
export class FreeSpace implements SpaceBudget {
  private readonly floorBytes: number;
  private sampledAt = Number.NEGATIVE_INFINITY;
  /** Free bytes at the last sample; Infinity when statfs is not supported (ENOSPC then decides). */
  private sampledFree = Number.POSITIVE_INFINITY;
  private writtenSince = 0;
  private inFlight = 0;

  constructor(
    private readonly dir: string,
    minFreeMb: number,
    private readonly now: () => number = Date.now,
  ) {
    this.floorBytes = minFreeMb * MB;
  }

  take(bytes: number): boolean {
    if (this.floorBytes === 0) return true;
    this.sampleIfStale();
    if (this.sampledFree - this.writtenSince - this.inFlight - bytes < this.floorBytes) return false;
    this.inFlight += bytes;
    return true;
  }

  written(bytes: number): void {
    if (this.floorBytes === 0) return;
    this.inFlight = Math.max(0, this.inFlight - bytes);
    this.writtenSince += bytes;
  }

  release(bytes: number): void {
    if (this.floorBytes === 0) return;
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  /** False when free space is already below the floor. */
  aboveFloor(): boolean {
    return this.take(0);
  }

  /** Free bytes as estimated now (the sample minus what was written or taken since). */
  estimate(): number {
    this.sampleIfStale();
    return this.sampledFree - this.writtenSince - this.inFlight;
  }

  /** Asks the disk again at the next take (after files were removed). */
  invalidate(): void {
    this.sampledAt = Number.NEGATIVE_INFINITY;
  }

  private sampleIfStale(): void {
    const now = this.now();
    if (now - this.sampledAt < SAMPLE_MS) return;
    try {
      const s = fs.statfsSync(this.dir);
      this.sampledFree = s.bavail * s.bsize;
    } catch {
      this.sampledFree = Number.POSITIVE_INFINITY; // statfs unsupported: rely on write errors (ENOSPC) instead
    }
    this.sampledAt = now;
    this.writtenSince = 0;
  }
}
