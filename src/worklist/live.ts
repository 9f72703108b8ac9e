/**
 * What changed on the worklist, for live views. A notice names the study and what happened,
 * never patient data: a view fetches GET /worklist again, where roles decide what it may see.
 */
export const WORKLIST_NOTICE_KINDS = ['study', 'finding', 'order', 'reading', 'alert', 'hint'] as const;
export type WorklistNoticeKind = (typeof WORKLIST_NOTICE_KINDS)[number];

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
}

/** The in-process fan-out behind GET /worklist/events. */
export class WorklistLive {
  private seq = 0;
  private readonly subscribers = new Set<Subscriber>();

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
    const notice: WorklistNotice = { seq: ++this.seq, kind, studyId, ...extra };
    for (const s of this.subscribers) {
      try {
        s.notice(notice);
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
