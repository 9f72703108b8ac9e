/**
 * The one timer of a DICOM connection, whose limit depends on where the association stands, so
 * that a silent peer gives its slot back soon while a slow scanner mid-series is left alone:
 *
 * - `awaiting-request`: from the connection to its A-ASSOCIATE-RQ (DICOM's ARTIM timer); short,
 *   an SCU asks at once.
 * - `awaiting-first-message`: from our A-ASSOCIATE-AC to the SCU's first PDU; short too, an SCU
 *   that asked for an association has something to send.
 * - `idle`: between two PDUs; longer, and never while an answer of ours is due (`busy`).
 * - `closing`: after our A-ASSOCIATE-RJ or A-RELEASE-RP, until the SCU closes the connection
 *   (ARTIM again, PS3.8 9.2 states 13).
 *
 * A PDU received re-arms nothing: it only notes the time, and the timer, when it fires, waits for
 * what is left. A busy association reads many PDUs a second; it costs a clock read each.
 */
export type TimerPhase = 'awaiting-request' | 'awaiting-first-message' | 'idle' | 'closing';

export class AssociationTimer {
  private phase: TimerPhase = 'awaiting-request';
  private since = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly limits: Record<TimerPhase, number>,
    /** Called once, when a phase's limit has passed. */
    private readonly expired: (phase: TimerPhase) => void,
    /** An answer of ours is due: the SCU's silence is not idleness. */
    private readonly busy: () => boolean,
  ) {
    this.arm(limits[this.phase]);
  }

  get current(): TimerPhase {
    return this.phase;
  }

  enter(phase: TimerPhase): void {
    if (this.stopped) return;
    this.phase = phase;
    this.since = Date.now();
    this.arm(this.limits[phase]);
  }

  /** A PDU (or a piece of one) arrived. Before the request and once closing, it changes nothing. */
  heard(): void {
    if (this.phase === 'awaiting-first-message') this.enter('idle');
    else if (this.phase === 'idle') this.since = Date.now();
  }

  /** We sent an answer: the SCU's silence counts from now. */
  answered(): void {
    if (this.phase === 'idle') this.since = Date.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), ms);
  }

  private check(): void {
    if (this.stopped) return;
    const limit = this.limits[this.phase];
    const left = this.since + limit - Date.now();
    if (left > 0) return this.arm(left);
    if (this.phase === 'idle' && this.busy()) return this.arm(limit);
    this.stop();
    this.expired(this.phase);
  }
}
