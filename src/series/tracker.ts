import type { Clock } from '../core/clock.js';
import type { SeriesConfig } from '../config/sections/series.js';
import type { EventBus } from '../events/bus.js';
import type { InstanceStoredEvent, SeriesStableEvent, StableReason } from '../events/types.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import { countsVerdict, framesOf, type CountsVerdict } from './counts.js';
import { MppsService } from './mpps.js';
import { MppsStore } from './mpps-store.js';
import { SeriesStateStore, type SeriesState } from './series-state-store.js';
import { OWN_RESULTS_AE_TITLE } from '../store/own-results.js';
import { SenderHistory, type SenderKey } from './sender-history.js';
import { describeError } from '../log/describe-error.js';
import { backoffDelay, INDEX_RETRY } from '../core/backoff.js';

const FAILED = Symbol('failed');

/** Wait after `failures` failed sweeps in a row: 1 s, 2 s, 4 s... up to 60 s (the node's one formula). */
export function sweepRetryDelay(failures: number): number {
  return backoffDelay(failures, INDEX_RETRY);
}

export interface SeriesTrackerDeps {
  db: Db;
  index: DicomIndex;
  bus: EventBus;
  config: SeriesConfig;
  clock: Clock;
  log: Logger;
  /**
   * 'decide' (the `scheduler` role, and a node on its own): everything below. 'record' (a node
   * of a cluster without the scheduler role): arrivals are recorded in the instance's own
   * transaction, and MPPS or the count tags may declare a series stable there, but nothing is
   * emitted and no idle window is watched: the scheduler-role node emits what is declared
   * (`catchUp`) and declares what falls idle. 'decide' when not given.
   */
  mode?: 'decide' | 'record';
}

/**
 * Decides when a series is complete and emits `series-stable` exactly once per version.
 *
 * Each arrival opens the series (or reopens a stable one: a new version) and restarts its idle
 * window (its sender's learned quiet time when there is one, see sender-history.ts); then MPPS,
 * the count tags and the sender's single-image history are asked whether the series is already
 * complete. One timer waits for the earliest idle deadline of all open series. Every transition is a row in
 * series_state written in one transaction with its /changes entry (an arrival, in the stored
 * instance's own transaction); the event is handed to the bus after the commit and marked as
 * handed over, so a restart resumes idle windows and re-emits only an event whose hand-over
 * the stop interrupted. Listeners key on (seriesId, version) if they must be idempotent across
 * such a crash.
 */
export class SeriesTracker {
  readonly mpps: MppsService;
  /** Completeness learned per sender (src/series/sender-history.ts). */
  readonly history: SenderHistory;
  private readonly states: SeriesStateStore;
  private readonly mppsStore: MppsStore;
  private unsubscribe: (() => void) | undefined;
  private cancelTimer: (() => void) | undefined;
  private timerAt: number | undefined;
  /** Sweeps that failed in a row (a full disk, a locked index): the next one waits longer. */
  private sweepFailures = 0;
  /** While sweeps fail: no sweep before this time, whatever deadline is already past. */
  private retryAt: number | undefined;

  constructor(private readonly deps: SeriesTrackerDeps) {
    this.states = new SeriesStateStore(deps.db);
    this.mppsStore = new MppsStore(deps.db);
    this.history = new SenderHistory(deps.db, deps.config.learned, (modality) => this.idleMs(modality));
    this.mpps = new MppsService(this.mppsStore, deps.clock, deps.log, (uids) => this.guard(() => this.onMppsCompleted(uids)));
  }

  private get deciding(): boolean {
    return (this.deps.mode ?? 'decide') === 'decide';
  }

  start(): void {
    this.unsubscribe = this.deps.bus.on('instance-stored', (event) => this.guard(() => this.onInstanceStored(event)));
    if (!this.deciding) return;
    for (const seriesId of this.states.pendingEmits()) this.emitStable(seriesId);
    this.recoverMissedArrivals();
    this.restartIdleWindows();
    this.sweep();
  }

  /**
   * Time the node was down does not count as quiet time: a scanner that could not deliver
   * retries once the node is back, and those instances must join the series before it is
   * triaged, not reopen it after a finding on half of it. So a start gives every open series a
   * whole idle window, counted from the start.
   */
  private restartIdleWindows(): void {
    const now = this.deps.clock.now();
    this.states.transaction(() => {
      for (const { seriesId, modality } of this.states.openSeries()) this.states.extendIdleDeadline(seriesId, now + this.idleMs(modality));
    });
  }

  /**
   * Another process of the cluster committed (src/db/commit-watch.ts): a series it declared
   * stable is emitted here, and its arrivals' idle deadlines are watched. Deciding mode only.
   */
  catchUp(): void {
    if (!this.deciding || !this.unsubscribe) return;
    this.guard(() => {
      for (const seriesId of this.states.pendingEmits()) this.emitStable(seriesId);
    });
    this.arm();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = undefined;
  }

  stateOf(seriesId: string): SeriesState | undefined {
    return this.states.get(seriesId);
  }

  private onInstanceStored(event: InstanceStoredEvent): void {
    const sender = this.senderOf(event);
    if (sender) this.history.arrival(event.seriesId, sender, this.deps.clock.now());
    this.recordArrival(event.seriesId, event.storedAt, event.modality, sender);
    this.evaluate(event.seriesId, event.instanceId, sender);
    this.arm();
  }

  /**
   * Who sent the instance, as the history tells senders apart (no patient data). None for the
   * node's own AI results: their rhythm is the outbox's, not a scanner's, and nothing routes them.
   */
  private senderOf(event: InstanceStoredEvent): SenderKey | undefined {
    if (event.callingAeTitle.trim() === OWN_RESULTS_AE_TITLE) return undefined;
    const station = this.deps.index.getResource('series', event.seriesId)?.mainTags.StationName;
    return { callingAeTitle: event.callingAeTitle.trim(), stationName: station ? String(station).trim() : '', modality: event.modality ?? '' };
  }

  /**
   * Opens, touches or reopens the series, in one transaction with its /changes entry. Its
   * deadline is its sender's learned quiet time, or the idle window.
   */
  private recordArrival(seriesId: string, lastInstanceAt: number, modality: string | null, sender?: SenderKey): void {
    const now = this.deps.clock.now();
    const deadline = now + this.history.quietMsFor(seriesId, sender, modality);
    const reopenedFrom = this.states.transaction(() => {
      const state = this.states.get(seriesId);
      if (!state) {
        this.states.open(seriesId, lastInstanceAt, deadline);
        return undefined;
      }
      this.states.touch(seriesId, lastInstanceAt, deadline);
      if (state.state !== 'stable') return undefined;
      this.deps.index.changes.append('reopened-series', 'series', seriesId, { version: state.version }, now);
      return state.version;
    });
    if (reopenedFrom !== undefined) this.deps.log.info('series reopened by a late instance', { seriesId, version: reopenedFrom });
  }

  /**
   * MPPS first (the modality's own word), then the count tags, then a single image from a
   * sender whose series are single images; the quiet time or the idle window decides otherwise.
   */
  private evaluate(seriesId: string, arrivedInstanceId?: string, sender?: SenderKey): void {
    const { config } = this.deps;
    if (config.useMpps && this.mppsComplete(seriesId)) this.declareStable(seriesId, 'mpps');
    else if (config.useCounts && this.countsComplete(seriesId, arrivedInstanceId)) this.declareStable(seriesId, 'counts');
    else if (sender && this.history.completesAtOnce(sender) && this.states.instanceCount(seriesId) === 1) this.declareStable(seriesId, 'single-image');
  }

  /** Complete when the COMPLETED steps that list this series list exactly what is stored. */
  private mppsComplete(seriesId: string): boolean {
    const identity = this.states.identity(seriesId);
    if (!identity) return false;
    const listed = this.mppsStore.completedListing(identity.seriesInstanceUid);
    if (listed.size === 0) return false;
    const stored = this.states.storedSopInstanceUids(seriesId);
    return stored.size === listed.size && [...listed].every((uid) => stored.has(uid));
  }

  private countsComplete(seriesId: string, arrivedInstanceId?: string): boolean {
    // Reading every instance's tags on each arrival would be quadratic: look only once the
    // series can hold as many images as the arriving instance says the acquisition made.
    const arrived = arrivedInstanceId ? this.deps.index.getInstance(arrivedInstanceId) : undefined;
    if (arrived) {
      const expected = Number(arrived.mainTags.ImagesInAcquisition);
      if (!Number.isInteger(expected)) return false;
      if (framesOf(arrived.mainTags) === 1 && this.states.instanceCount(seriesId) < expected) return false;
    }
    const verdict = this.countsVerdictOf(seriesId);
    if (!verdict.complete && verdict.why !== 'waiting' && verdict.why !== 'no-count') {
      this.deps.log.debug('count tags not trusted for this series', { seriesId, why: verdict.why });
    }
    return verdict.complete;
  }

  /**
   * When the idle window ends a series whose count tags announce more images than arrived (a
   * push cut short), it is still declared stable: triage on what is there beats none, and the
   * rest, if it comes, reopens the series. But it is said, in /changes and the log.
   */
  private imagesShortOfCount(seriesId: string): { expected: number; images: number } | undefined {
    if (!this.deps.config.useCounts) return undefined;
    const verdict = this.countsVerdictOf(seriesId);
    return !verdict.complete && verdict.why === 'waiting' ? { expected: verdict.expected, images: verdict.images } : undefined;
  }

  /** What the count tags of every stored instance of the series say. */
  private countsVerdictOf(seriesId: string): CountsVerdict {
    return countsVerdict(this.deps.index.instancesUnder('series', seriesId).map((i) => i.mainTags));
  }

  private onMppsCompleted(seriesInstanceUids: string[]): void {
    for (const uid of seriesInstanceUids) {
      for (const seriesId of this.states.openSeriesWithUid(uid)) {
        if (this.mppsComplete(seriesId)) this.declareStable(seriesId, 'mpps');
      }
    }
    this.arm();
  }

  private declareStable(seriesId: string, reason: StableReason): void {
    const now = this.deps.clock.now();
    const shortOf = reason === 'idle' || reason === 'quiet' ? this.imagesShortOfCount(seriesId) : undefined;
    const declared = this.states.transaction(() => {
      if (!this.states.markStable(seriesId, reason, this.states.instanceCount(seriesId), now)) return undefined;
      const state = this.states.get(seriesId)!;
      this.history.learn(seriesId, state.instanceCount, now);
      this.deps.index.changes.append(
        'stable-series',
        'series',
        seriesId,
        { version: state.version, reason, instanceCount: state.instanceCount, ...(shortOf && { imagesExpected: shortOf.expected }) },
        now,
      );
      return state;
    });
    if (!declared) return;
    this.deps.log.info('series stable', { seriesId, version: declared.version, reason, instanceCount: declared.instanceCount });
    if (shortOf) {
      this.deps.log.warn('series declared stable by its idle window with fewer images than its count tags announce', {
        seriesId,
        version: declared.version,
        images: shortOf.images,
        imagesExpected: shortOf.expected,
      });
    }
    // Recorded only: the scheduler-role node emits it (catchUp).
    if (!this.deciding) return;
    // An arrival is recorded inside the instance's own transaction (see InstanceStore): the
    // event waits for that commit, which ends the synchronous call this runs in.
    if (this.deps.db.inTransaction) queueMicrotask(() => this.guard(() => this.emitStable(seriesId)));
    else this.emitStable(seriesId);
  }

  /** Hands the committed stable version to the bus, then records that it was handed over. */
  private emitStable(seriesId: string): void {
    const state = this.states.get(seriesId);
    const identity = this.states.identity(seriesId);
    if (state && identity && state.reason && state.stableAt !== null) {
      const event: SeriesStableEvent = {
        ...identity,
        version: state.version,
        reason: state.reason,
        instanceCount: state.instanceCount,
        lastInstanceAt: state.lastInstanceAt,
        stableAt: state.stableAt,
        runTriage: state.version === 1 || this.deps.config.rerunTriageOnReopen,
      };
      this.deps.bus.emit('series-stable', event);
    }
    // This version only: another process may have reopened and declared the next one meanwhile.
    this.states.markEmitted(seriesId, state?.version ?? 0);
  }

  private recoverMissedArrivals(): void {
    for (const missed of this.states.missedArrivals()) {
      const identity = this.states.identity(missed.seriesId);
      this.deps.log.warn('series arrival recovered after a restart', { seriesId: missed.seriesId, known: missed.known });
      this.recordArrival(missed.seriesId, missed.lastInstanceAt, identity?.modality ?? null);
      this.evaluate(missed.seriesId);
    }
  }

  /**
   * Declares every open series whose idle window has closed, then waits for the next one. A
   * sweep that fails (the index cannot be written: a full disk) leaves those deadlines in the
   * past; waiting for "the earliest deadline" would then run the sweep again at once, forever.
   * So a failed sweep backs off (1 s doubling to 60 s), with one log line per attempt.
   */
  private sweep(): void {
    this.timerAt = undefined;
    this.cancelTimer = undefined;
    try {
      for (const seriesId of this.states.dueForIdle(this.deps.clock.now()))
        this.declareStable(seriesId, this.history.endedByQuiet(seriesId) ? 'quiet' : 'idle');
      if (this.sweepFailures > 0) this.deps.log.info('series tracker recovered: idle windows are declared again', { failedSweeps: this.sweepFailures });
      this.sweepFailures = 0;
      this.retryAt = undefined;
    } catch (err) {
      this.sweepFailures++;
      const retryInMs = sweepRetryDelay(this.sweepFailures);
      this.retryAt = this.deps.clock.now() + retryInMs;
      this.deps.log.error('series tracker failed to declare idle series: retrying later', {
        error: describeError(err),
        attempt: this.sweepFailures,
        retryInMs,
      });
    }
    this.arm();
  }

  /** One timer, for the earliest idle deadline among open series (not before a failed sweep's retry). */
  private arm(): void {
    if (!this.unsubscribe || !this.deciding) return;
    const deadline = this.guarded(() => this.states.nextIdleDeadline());
    // Reading the deadline failed too: try again when a failed sweep would.
    const next = deadline === FAILED ? this.deps.clock.now() + sweepRetryDelay(Math.max(1, this.sweepFailures)) : deadline;
    const at = next !== undefined && this.retryAt !== undefined ? Math.max(next, this.retryAt) : next;
    if (at === this.timerAt) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.cancelTimer = this.deps.clock.setTimer(() => this.sweep(), at - this.deps.clock.now());
  }

  private idleMs(modality: string | null): number {
    const { idleSeconds, idleSecondsByModality } = this.deps.config;
    return Math.round(((modality ? idleSecondsByModality[modality] : undefined) ?? idleSeconds) * 1000);
  }

  /** `fn`'s value, or FAILED (logged) when it threw. */
  private guarded<T>(fn: () => T): T | typeof FAILED {
    try {
      return fn();
    } catch (err) {
      this.deps.log.error('series tracker failed', { error: describeError(err) });
      return FAILED;
    }
  }

  /** The tracker runs inside event listeners and timers: a failure is logged, never thrown. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error('series tracker failed', { error: describeError(err) });
    }
  }
}
