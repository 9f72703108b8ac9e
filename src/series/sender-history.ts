import type { SeriesConfig } from '../config/sections/series.js';
import { SenderHistoryStore, type SenderKey, type SenderRow } from './sender-history-store.js';
import type { Db } from '../db/database.js';

export type { SenderKey } from './sender-history-store.js';

/** What the node has learned about one sender, as the API and /metrics show it. */
export interface LearnedSender {
  key: SenderKey;
  seriesLearned: number;
  singleImageSeries: number;
  /** Gaps kept (the newest `keepGaps`). */
  gaps: number;
  /** The configured quantile of those gaps, ms; null with no gap yet. */
  gapQuantileMs: number | null;
  /** The quiet time that completes this sender's series, ms; null until `minGaps` gaps are known (the idle window applies). */
  quietMs: number | null;
  /** A single image of this sender completes its series at once. */
  singleImageAtOnce: boolean;
  learnedAt: number;
}

/** An open (or just completed) series as the history follows it, in memory only. */
interface Following {
  sender: SenderKey;
  lastArrivalAt: number;
  /** Gaps before each arrival after the first, ms, not yet learned. */
  gaps: number[];
  /** The images this series had when last learned from, in this process. */
  learnedImages: number | undefined;
  /** Its current deadline came from the sender's learned quiet time, not the idle window. */
  quiet: boolean;
}

/**
 * Completeness learned per sender (calling AE title, station name, modality), for the scanners
 * that send neither MPPS nor count tags. The tracker tells it each arrival (on its own clock)
 * and each completed series version; the gaps between consecutive instances of a sender's past
 * series give its quiet time: the configured quantile of the newest gaps times a factor, never
 * below the floor nor above the idle window. A series that pauses longer reopens as any late
 * instance does, and its longer gap is learned too. A fresh install has no history: the idle
 * window applies until a sender has shown `minGaps` gaps.
 *
 * What a series is doing lives in memory (a restart gives open series the whole idle window
 * anyway); what was learned lives in the index, written in the tracker's stable transaction.
 */
export class SenderHistory {
  private readonly store: SenderHistoryStore;
  private readonly following = new Map<string, Following>();
  private readonly learned = new Map<string, LearnedSender>();

  constructor(
    db: Db,
    private readonly config: SeriesConfig['learned'],
    /** The idle window of a modality, ms: the cap of every learned quiet time. */
    private readonly idleMsOf: (modality: string | null) => number,
  ) {
    this.store = new SenderHistoryStore(db);
  }

  /** An instance of the series arrived from `sender` at `now` (the tracker's clock). */
  arrival(seriesId: string, sender: SenderKey, now: number): void {
    if (!this.config.enabled) return;
    const seen = this.following.get(seriesId);
    if (!seen) {
      this.following.set(seriesId, { sender, lastArrivalAt: now, gaps: [], learnedImages: undefined, quiet: false });
      return;
    }
    // A gap longer than the idle window would have ended the series anyway: it counts as that long.
    seen.gaps.push(Math.min(Math.max(0, now - seen.lastArrivalAt), this.capMs(sender)));
    seen.lastArrivalAt = now;
    seen.sender = sender;
  }

  /**
   * How long the series may stay quiet before it is complete, ms: the sender's learned quiet
   * time, else the idle window. Remembers which one it gave (see `reasonFor`).
   */
  quietMsFor(seriesId: string, sender: SenderKey | undefined, modality: string | null): number {
    const idle = this.idleMsOf(modality);
    const learned = sender && this.config.enabled ? this.senderView(sender)?.quietMs : null;
    const following = this.following.get(seriesId);
    if (following) following.quiet = learned !== null && learned !== undefined && learned < idle;
    return learned !== null && learned !== undefined ? Math.min(learned, idle) : idle;
  }

  /** Whether the deadline that ended the series was the learned quiet time. */
  endedByQuiet(seriesId: string): boolean {
    return this.following.get(seriesId)?.quiet ?? false;
  }

  /** A single-image series of this sender is complete at once (see the config's singleImage keys). */
  completesAtOnce(sender: SenderKey): boolean {
    return this.config.enabled && (this.senderView(sender)?.singleImageAtOnce ?? false);
  }

  /**
   * A version of the series is complete with `images` instances: learn its gaps and its image
   * count. Inside the tracker's stable transaction.
   */
  learn(seriesId: string, images: number, now: number): void {
    this.prune(now);
    const seen = this.following.get(seriesId);
    if (!seen || !this.config.enabled) return;
    const row = this.store.ensure(seen.sender, now);
    const first = seen.learnedImages === undefined;
    const single = first ? (images === 1 ? 1 : 0) : seen.learnedImages === 1 && images > 1 ? -1 : 0;
    this.store.learn(row.id, seen.gaps, { series: first ? 1 : 0, single }, this.config.keepGaps, now);
    seen.gaps = [];
    seen.learnedImages = images;
    seen.quiet = false;
    this.learned.delete(keyString(seen.sender));
  }

  /** Everything learned, one entry per sender. */
  list(): LearnedSender[] {
    return this.store.all().map((row) => this.view(row));
  }

  /**
   * Series followed in memory: a completed series stops being followed once a late instance
   * would be a gap as long as the idle window anyway; one never completed (deleted while open)
   * once it is twice that old.
   */
  private prune(now: number): void {
    for (const [seriesId, seen] of this.following) {
      const cap = this.capMs(seen.sender);
      if (now - seen.lastArrivalAt > (seen.learnedImages === undefined ? 2 * cap : cap)) this.following.delete(seriesId);
    }
  }

  private senderView(sender: SenderKey): LearnedSender | undefined {
    const key = keyString(sender);
    let view = this.learned.get(key);
    if (!view) {
      const row = this.store.find(sender);
      if (!row) return undefined;
      view = this.view(row);
      this.learned.set(key, view);
    }
    return view;
  }

  private view(row: SenderRow): LearnedSender {
    const { quantile, factor, floorSeconds, minGaps, singleImageModalities, singleImageMinSeries, singleImageShare } = this.config;
    const gaps = this.store.sortedGaps(row.id);
    const gapQuantileMs = gaps.length > 0 ? gaps[Math.min(gaps.length - 1, Math.max(0, Math.ceil(quantile * gaps.length) - 1))]! : null;
    const cap = this.capMs(row.key);
    const quietMs = gapQuantileMs !== null && gaps.length >= minGaps ? Math.min(cap, Math.max(floorSeconds * 1000, Math.round(gapQuantileMs * factor))) : null;
    const singleImageAtOnce =
      singleImageModalities.includes(row.key.modality) &&
      row.seriesLearned >= singleImageMinSeries &&
      row.singleImageSeries >= singleImageShare * row.seriesLearned;
    return {
      key: row.key,
      seriesLearned: row.seriesLearned,
      singleImageSeries: row.singleImageSeries,
      gaps: gaps.length,
      gapQuantileMs,
      quietMs,
      singleImageAtOnce,
      learnedAt: row.learnedAt,
    };
  }

  private capMs(sender: SenderKey): number {
    return this.idleMsOf(sender.modality || null);
  }
}

function keyString(key: SenderKey): string {
  return `${key.callingAeTitle}\u0000${key.stationName}\u0000${key.modality}`;
}
