import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';

/**
 * Why a process stopped leading: its session ended (the server restarted, a network cut, an
 * administrator's pg_terminate_backend), its check no longer found the lock, or it was stopped.
 */
export const LEADERSHIP_LOSS_REASONS = ['connection-lost', 'lock-missing', 'stopped'] as const;
export type LeadershipLossReason = (typeof LEADERSHIP_LOSS_REASONS)[number];

/**
 * Which process of a cluster runs the scheduled duties that must run once per cluster (the
 * nightly model monitoring, retention, the escalator's sweep...). With SQLite there is one
 * process: it always leads (SoloLeadership). With PostgreSQL, the process holding an advisory
 * lock leads (PostgresLeadership).
 */
export interface Leadership {
  /** True while this process leads: a duty looks before each run. */
  isLeader(): boolean;
  /**
   * `fn` runs at each gain (at once when this process leads already) with a signal that aborts
   * when that leadership ends: a duty starts on the gain and stops on the signal. Returns the
   * function that unsubscribes.
   */
  onGained(fn: (term: AbortSignal) => void): () => void;
  /** `fn` runs at each loss, before anything else could take over. Returns the unsubscribe. */
  onLost(fn: (reason: LeadershipLossReason) => void): () => void;
  /** Begins competing (PostgreSQL) or leading (solo). */
  start(): void;
  /** Stops leading (listeners hear 'stopped' first) and gives the leadership up for another process. */
  stop(): Promise<void>;
}

/**
 * The terms of one leadership: the listeners, and the current term's AbortController. A
 * listener that throws is logged and never keeps the others from hearing.
 */
export class LeadershipTerms {
  private term: AbortController | undefined;
  private readonly gainedListeners = new Set<(term: AbortSignal) => void>();
  private readonly lostListeners = new Set<(reason: LeadershipLossReason) => void>();

  constructor(private readonly log: Logger) {}

  get leading(): boolean {
    return this.term !== undefined;
  }

  gain(): void {
    if (this.term) return;
    const term = (this.term = new AbortController());
    this.log.info('cluster leadership gained: this process runs the scheduled duties');
    for (const fn of [...this.gainedListeners]) this.safely('onGained', () => fn(term.signal));
  }

  lose(reason: LeadershipLossReason): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    // The signal first: a duty in the middle of a run sees it before the listeners are called.
    term.abort(reason);
    if (reason === 'stopped') this.log.info('cluster leadership given up: this process stopped', { reason });
    else this.log.warn('cluster leadership lost: scheduled duties stop here', { reason });
    for (const fn of [...this.lostListeners]) this.safely('onLost', () => fn(reason));
  }

  onGained(fn: (term: AbortSignal) => void): () => void {
    this.gainedListeners.add(fn);
    const term = this.term;
    if (term) this.safely('onGained', () => fn(term.signal));
    return () => this.gainedListeners.delete(fn);
  }

  onLost(fn: (reason: LeadershipLossReason) => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('cluster leadership listener failed', { listener: what, error: describeError(err) });
    }
  }
}

/** One process on its own SQLite index: it leads from the start until it stops. */
export class SoloLeadership implements Leadership {
  private readonly terms: LeadershipTerms;

  constructor(log: Logger) {
    this.terms = new LeadershipTerms(log);
    this.terms.gain();
  }

  isLeader(): boolean {
    return this.terms.leading;
  }

  onGained(fn: (term: AbortSignal) => void): () => void {
    return this.terms.onGained(fn);
  }

  onLost(fn: (reason: LeadershipLossReason) => void): () => void {
    return this.terms.onLost(fn);
  }

  start(): void {
    // Leading since construction: a duty that asks before start() is told the truth.
  }

  stop(): Promise<void> {
    this.terms.lose('stopped');
    return Promise.resolve();
  }
}
