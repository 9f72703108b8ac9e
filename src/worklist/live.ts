import { LIVE_CHANGE_KINDS, type LiveChangeEvent, type LiveChangeKind } from '../events/types.js';

/**
 * What changed on the worklist, for live views. A notice names the study and what happened,
 * never patient data: a view fetches GET /worklist again, where roles decide what it may see.
 * The kinds are the bus's live changes (src/events/types.ts), which other nodes relay.
 */
export const WORKLIST_NOTICE_KINDS = LIVE_CHANGE_KINDS;
export type WorklistNoticeKind = LiveChangeKind;

export interface WorklistNotice {
  /** Increases by one with each notice since the node started. */
  seq: number;
  kind: WorklistNoticeKind;
  /** The study concerned; null for an order whose study has not arrived yet. */
  studyId: string | null;
  /** The effective priority became STAT with this change (a live view may announce it). */
  stat?: boolean;
}

interface Subscriber {
  notice(notice: WorklistNotice): void;
  /** The node is stopping: end the stream. */
  end(): void;
  /** Changes may have been missed (another node's could not be relayed): reload everything. */
  resync?(): void;
}

/**
 * The in-process fan-out behind GET /worklist/events. This node's changes also go to
 * `publish` (the bus's 'live-change', which the cluster relay sends to the other nodes);
 * other nodes' changes come in through `notifyRemote` and are shown, never published again.
 */
export class WorklistLive {
  private seq = 0;
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly publish: (change: LiveChangeEvent) => void = () => undefined) {}

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Ends every stream (the node stops: the HTTP server would otherwise wait for them). */
  endAll(): void {
    for (const s of [...this.subscribers]) s.end();
    this.subscribers.clear();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Announces a change. Called after the change committed: callers inside a transaction use
   * `afterCommit`, so that a view never fetches before the rows are there.
   */
  notify(kind: WorklistNoticeKind, studyId: string | null, extra: { stat?: boolean } = {}): void {
    this.fanOut(kind, studyId, extra);
    this.publish({ kind, studyId, ...extra });
  }

  /** A change another node made (relayed): open streams hear it like a local one. */
  notifyRemote(change: LiveChangeEvent): void {
    this.fanOut(change.kind, change.studyId, change.stat === undefined ? {} : { stat: change.stat });
  }

  /** Relayed changes may have been lost: every open stream tells its view to reload. */
  resync(): void {
    this.each((s) => s.resync?.());
  }

  private fanOut(kind: WorklistNoticeKind, studyId: string | null, extra: { stat?: boolean }): void {
    const notice: WorklistNotice = { seq: ++this.seq, kind, studyId, ...extra };
    this.each((s) => s.notice(notice));
  }

  private each(fn: (s: Subscriber) => void): void {
    for (const s of this.subscribers) {
      try {
        fn(s);
      } catch {
        // One broken stream must not keep the others from hearing about the change.
      }
    }
  }

  /**
   * From inside a synchronous SQLite transaction: notifies once the current task is over, when
   * the transaction has committed (or rolled back: then a view fetches and sees no change).
   */
  afterCommit(kind: WorklistNoticeKind, studyId: string | null, extra: { stat?: boolean } = {}): void {
    setImmediate(() => this.notify(kind, studyId, extra));
  }
}
