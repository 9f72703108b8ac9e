import type { Db } from '../db/database.js';

/** Who sent a series, as the tracker tells senders apart. */
export interface SenderKey {
  callingAeTitle: string;
  stationName: string;
  modality: string;
}

/** What the index holds about one sender. */
export interface SenderRow {
  id: number;
  key: SenderKey;
  seriesLearned: number;
  singleImageSeries: number;
  firstSeenAt: number;
  learnedAt: number;
}

interface Row {
  id: number;
  calling_ae: string;
  station: string;
  modality: string;
  series_learned: number;
  single_image_series: number;
  first_seen_at: number;
  learned_at: number;
}

/** The series_senders and series_sender_gaps tables; the tracker calls these inside its transactions. */
export class SenderHistoryStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      upsert: db.prepare<{ ae: string; station: string; modality: string; at: number }>(
        `INSERT INTO series_senders (calling_ae, station, modality, first_seen_at, learned_at) VALUES (@ae, @station, @modality, @at, @at)
         ON CONFLICT (calling_ae, station, modality) DO NOTHING`,
      ),
      byKey: db.prepare<[string, string, string], Row>('SELECT * FROM series_senders WHERE calling_ae = ? AND station = ? AND modality = ?'),
      all: db.prepare<[], Row>('SELECT * FROM series_senders ORDER BY modality, calling_ae, station'),
      // CASE, not SQLite's scalar MAX(0, ...): the same SQL on PostgreSQL.
      count: db.prepare<{ id: number; series: number; single: number; at: number }>(
        `UPDATE series_senders SET series_learned = series_learned + @series, learned_at = @at,
           single_image_series = CASE WHEN single_image_series + @single > 0 THEN single_image_series + @single ELSE 0 END
         WHERE id = @id`,
      ),
      addGap: db.prepare<[number, number]>('INSERT INTO series_sender_gaps (sender_id, gap_ms) VALUES (?, ?)'),
      // Keeps the newest `keep` gaps of a sender (rowids grow with each insert).
      trim: db.prepare<{ id: number; keep: number }>(
        `DELETE FROM series_sender_gaps WHERE sender_id = @id AND rowid <
           (SELECT rowid FROM series_sender_gaps WHERE sender_id = @id ORDER BY rowid DESC LIMIT 1 OFFSET @keep - 1)`,
      ),
      gaps: db.prepare<[number], { gap_ms: number }>('SELECT gap_ms FROM series_sender_gaps WHERE sender_id = ? ORDER BY gap_ms'),
    };
  }

  /** The sender's row, made on first sight. */
  ensure(key: SenderKey, at: number): SenderRow {
    this.stmts.upsert.run({ ae: key.callingAeTitle, station: key.stationName, modality: key.modality, at });
    return toSender(this.stmts.byKey.get(key.callingAeTitle, key.stationName, key.modality)!);
  }

  find(key: SenderKey): SenderRow | undefined {
    const row = this.stmts.byKey.get(key.callingAeTitle, key.stationName, key.modality);
    return row ? toSender(row) : undefined;
  }

  all(): SenderRow[] {
    return this.stmts.all.all().map(toSender);
  }

  /**
   * Adds what one series version taught: its gaps (the newest `keep` are kept), one more series
   * learned from, and the change in single-image series (+1, 0, or -1 when a series counted
   * as single grew).
   */
  learn(senderId: number, gapsMs: readonly number[], change: { series: number; single: number }, keep: number, at: number): void {
    for (const gap of gapsMs) this.stmts.addGap.run(senderId, Math.round(gap));
    if (gapsMs.length > 0) this.stmts.trim.run({ id: senderId, keep });
    this.stmts.count.run({ id: senderId, ...change, at });
  }

  /** Every kept gap of a sender, shortest first. */
  sortedGaps(senderId: number): number[] {
    return this.stmts.gaps.all(senderId).map((r) => r.gap_ms);
  }
}

function toSender(row: Row): SenderRow {
  return {
    id: row.id,
    key: { callingAeTitle: row.calling_ae, stationName: row.station, modality: row.modality },
    seriesLearned: row.series_learned,
    singleImageSeries: row.single_image_series,
    firstSeenAt: row.first_seen_at,
    learnedAt: row.learned_at,
  };
}
