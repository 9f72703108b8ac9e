import { isSqlite, type Db, type SqliteDb } from './database.js';
import type { Logger } from '../log/logger.js';

/**
 * How often a node of a cluster looks whether another process committed to the shared index.
 * A PRAGMA read, no I/O beyond the WAL index in shared memory: cheap enough four times a second,
 * and a quarter second is nothing beside a series' idle window or a delivery's round trip.
 */
export const COMMIT_WATCH_MS = 250;
/** On PostgreSQL each look is a round trip of every waking part: once a second, NOTIFY does the rest. */
export const POSTGRES_COMMIT_WATCH_MS = 1_000;

/**
 * Tells a node when another process committed to the index it shares (the single-host cluster
 * of config/cluster/README.md: nodes with different roles on one SQLite file). SQLite has no
 * notification between processes; `PRAGMA data_version` changes on this connection exactly when
 * another connection committed, so polling it is the wake-up: the parts whose work another node
 * queues (triage jobs, deliveries, a series declared stable) look at the index then rather
 * than at their next safety-net poll. A node on its own needs none of this and starts no watch.
 */
export class CommitWatch {
  private timer: NodeJS.Timeout | undefined;
  private seen: number | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly intervalMs = db.dialect === 'postgres' ? POSTGRES_COMMIT_WATCH_MS : COMMIT_WATCH_MS,
  ) {}

  /** `fn` runs after each look that found another process's commit. */
  onExternalCommit(fn: () => void): void {
    this.listeners.push(fn);
  }

  start(): void {
    if (isSqlite(this.db)) this.seen = this.version(this.db);
    this.timer = setInterval(() => this.look(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look now (the timer's; tests call it too). */
  look(): void {
    // PostgreSQL says nothing of others' commits here: each look is a wake-up (its queues' NOTIFY
    // wakes workers at once: src/queue/follow-notifications.ts; this is the backstop and the
    // scheduler's view of series other receivers opened).
    if (isSqlite(this.db)) {
      let version: number;
      try {
        version = this.version(this.db);
      } catch (err) {
        // A closed or failing index: the next look tries again; the parts' own polls go on.
        this.log.warn('commit watch could not read the index version', { error: (err as Error).message });
        return;
      }
      if (version === this.seen) return;
      this.seen = version;
    }
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (err) {
        this.log.error('a part failed to take up work another node committed', { error: (err as Error).message });
      }
    }
  }

  private version(db: SqliteDb): number {
    return db.pragma('data_version', { simple: true }) as number;
  }
}
