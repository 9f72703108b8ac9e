import { VigilError } from '../core/errors.js';
import type { ChangeFeed } from '../store/changes.js';
import type { Db } from '../db/database.js';
import type { Reading } from './entry.js';
import type { WorklistLive } from './live.js';

interface ReadingRow {
  status: 'in-progress' | 'read';
  claimed_by: string | null;
  claimed_at: number | null;
  read_by: string | null;
  read_at: number | null;
}

const UNREAD: Reading = { status: 'unread', claimedBy: null, claimedAt: null, readBy: null, readAt: null };

/**
 * Who is reading what. unread → (claim) in-progress → (mark read) read; release puts an
 * in-progress study back. One radiologist holds a claim at a time: a second claim is a
 * CONFLICT naming the holder, so two people never read the same critical study unknowingly.
 * Each step is one transaction with its /changes entry.
 */
export class ReadingStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly deps: { changes: ChangeFeed; live: WorklistLive; studyExists: (studyId: string) => boolean },
  ) {
    this.stmts = {
      get: db.prepare<[string], ReadingRow>('SELECT status, claimed_by, claimed_at, read_by, read_at FROM worklist_reading WHERE study_id = ?'),
      claim: db.prepare<[{ studyId: string; by: string; now: number }]>(
        `INSERT INTO worklist_reading (study_id, status, claimed_by, claimed_at, updated_at) VALUES (@studyId, 'in-progress', @by, @now, @now)
         ON CONFLICT (study_id) DO UPDATE SET status = 'in-progress', claimed_by = @by, claimed_at = @now, updated_at = @now`,
      ),
      release: db.prepare<[string]>('DELETE FROM worklist_reading WHERE study_id = ?'),
      read: db.prepare<[{ studyId: string; by: string; now: number }]>(
        `INSERT INTO worklist_reading (study_id, status, claimed_by, claimed_at, read_by, read_at, updated_at) VALUES (@studyId, 'read', @by, @now, @by, @now, @now)
         ON CONFLICT (study_id) DO UPDATE SET status = 'read', read_by = @by, read_at = @now, updated_at = @now`,
      ),
    };
  }

  get(studyId: string): Reading {
    const row = this.stmts.get.get(studyId);
    if (!row) return UNREAD;
    return { status: row.status, claimedBy: row.claimed_by, claimedAt: row.claimed_at, readBy: row.read_by, readAt: row.read_at };
  }

  /** Takes the study for reading. Claiming one's own claim again changes nothing. */
  claim(studyId: string, by: string, now: number): Reading {
    return this.step(studyId, (current) => {
      if (current.status === 'read') throw conflict(`the study was read by ${current.readBy}`, current);
      if (current.status === 'in-progress') {
        if (current.claimedBy === by) return false;
        throw conflict(`the study is being read by ${current.claimedBy}`, current);
      }
      this.stmts.claim.run({ studyId, by, now });
      this.deps.changes.append('worklist-claimed', 'study', studyId, { by }, now);
      return true;
    });
  }

  /** Gives the study back to the list. Only its holder may, or an admin (`anyone`). */
  release(studyId: string, by: string, now: number, opts: { anyone?: boolean } = {}): Reading {
    return this.step(studyId, (current) => {
      if (current.status !== 'in-progress') throw conflict(`the study is ${current.status}, not in progress`, current);
      if (current.claimedBy !== by && !opts.anyone) throw conflict(`the study is being read by ${current.claimedBy}`, current);
      this.stmts.release.run(studyId);
      this.deps.changes.append('worklist-released', 'study', studyId, { by, claimedBy: current.claimedBy }, now);
      return true;
    });
  }

  /**
   * The study is reported. From unread (claimed and read at once) or from one's own claim.
   * `alongside` runs in the same transaction once the reading may change (the critical-alert
   * gate, src/worklist/read-gate.ts): if it throws, nothing changes.
   */
  markRead(studyId: string, by: string, now: number, opts: { alongside?: () => void } = {}): Reading {
    return this.step(studyId, (current) => {
      if (current.status === 'read') throw conflict(`the study was read by ${current.readBy}`, current);
      if (current.status === 'in-progress' && current.claimedBy !== by) throw conflict(`the study is being read by ${current.claimedBy}`, current);
      opts.alongside?.();
      this.stmts.read.run({ studyId, by, now });
      this.deps.changes.append('worklist-read', 'study', studyId, { by }, now);
      return true;
    });
  }

  private step(studyId: string, change: (current: Reading) => boolean): Reading {
    if (!this.deps.studyExists(studyId)) throw new VigilError('NOT_FOUND', 'no such study');
    const changed = this.db.transaction(() => change(this.get(studyId)))();
    if (changed) this.deps.live.notify('reading', studyId);
    return this.get(studyId);
  }
}

function conflict(detail: string, current: Reading): VigilError {
  return new VigilError('CONFLICT', detail, { extra: { reading: current } });
}
