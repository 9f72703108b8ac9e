import type { Db } from '../db/database.js';
import type { ChangeFeed } from '../store/changes.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { Finding } from '../domain/finding.js';
import type { Localisation } from './localisation.js';

/** A finding's localisation map and its placement on the source images. */
export interface StoredLocalisation {
  localisation: Localisation;
  map: Float32Array;
}

/**
 * Called inside the SQLite transaction that stores a finding, with the same connection: the
 * alerts outbox and the worklist's priority raise commit together with the finding or not at
 * all. Synchronous; throwing rolls the finding back (and the job is retried).
 */
export type FindingTransactionalListener = (finding: Finding, db: Db) => void;

interface FindingRow {
  body: string;
}

/** Findings and their key images, in the index. */
export class FindingStore {
  private readonly listeners = new Set<FindingTransactionalListener>();
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly changes: ChangeFeed,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO triage_findings (id, job_id, series_id, study_id, model_id, positive, created_at, body, key_image, localisation, localisation_map)
         VALUES (@id, @jobId, @seriesId, @studyId, @modelId, @positive, @createdAt, @body, @keyImage, @localisation, @localisationMap)`,
      ),
      get: db.prepare<[string], FindingRow>('SELECT body FROM triage_findings WHERE id = ?'),
      keyImage: db.prepare<[string], { key_image: Buffer | null }>('SELECT key_image FROM triage_findings WHERE id = ?'),
      localisation: db.prepare<[string], { localisation: string | null; localisation_map: Buffer | null }>(
        'SELECT localisation, localisation_map FROM triage_findings WHERE id = ?',
      ),
    };
  }

  addTransactionalListener(listener: FindingTransactionalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One transaction: the finding, its job marked done (`claimJob` returns false when the job was
   * cancelled meanwhile: nothing is stored), the /changes entry and every transactional listener.
   * After the commit, the 'finding' event.
   */
  record(finding: Finding, keyImage: Uint8Array | null, claimJob: () => boolean, localisation?: StoredLocalisation | null): boolean {
    const stored = this.db.transaction(() => {
      if (!claimJob()) return false;
      this.stmts.insert.run({
        id: finding.id,
        jobId: finding.jobId,
        seriesId: finding.seriesId,
        studyId: finding.studyId,
        modelId: finding.modelId,
        positive: finding.positive ? 1 : 0,
        createdAt: finding.createdAt,
        body: JSON.stringify(finding),
        keyImage: keyImage ? Buffer.from(keyImage.buffer, keyImage.byteOffset, keyImage.byteLength) : null,
        localisation: localisation ? JSON.stringify(localisation.localisation) : null,
        localisationMap: localisation ? Buffer.from(localisation.map.buffer, localisation.map.byteOffset, localisation.map.byteLength) : null,
      });
      this.changes.append(
        'finding',
        'finding',
        finding.id,
        {
          seriesId: finding.seriesId,
          modelId: finding.modelId,
          positive: finding.positive,
          critical: finding.critical,
          ...(finding.preliminary && { preliminary: true }),
        },
        finding.createdAt,
      );
      for (const listener of this.listeners) listener(finding, this.db);
      return true;
    })();
    if (stored) {
      this.log.info('finding stored', {
        findingId: finding.id,
        jobId: finding.jobId,
        seriesId: finding.seriesId,
        modelId: finding.modelId,
        positive: finding.positive,
        mode: finding.mode ?? 'live',
        operatingPoint: finding.operatingPoint.name,
      });
      this.bus.emit('finding', { finding });
    }
    return stored;
  }

  get(id: string): Finding | undefined {
    const row = this.stmts.get.get(id);
    return row ? (JSON.parse(row.body) as Finding) : undefined;
  }

  keyImage(id: string): Buffer | null | undefined {
    const row = this.stmts.keyImage.get(id);
    return row === undefined ? undefined : row.key_image;
  }

  /** The finding's localisation, or null (none, or a finding stored before maps were kept). */
  localisation(id: string): StoredLocalisation | null {
    const row = this.stmts.localisation.get(id);
    if (!row?.localisation || !row.localisation_map) return null;
    const bytes = row.localisation_map;
    // A copy: the row's Buffer may not be aligned for a Float32Array.
    const map = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(map.buffer).set(bytes);
    return { localisation: JSON.parse(row.localisation) as Localisation, map };
  }

  list(filter: { seriesId?: string; studyId?: string; modelId?: string; positive?: boolean; limit: number; offset: number }): Finding[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.seriesId) {
      where.push('series_id = ?');
      params.push(filter.seriesId);
    }
    if (filter.studyId) {
      where.push('study_id = ?');
      params.push(filter.studyId);
    }
    if (filter.modelId) {
      where.push('model_id = ?');
      params.push(filter.modelId);
    }
    if (filter.positive !== undefined) {
      where.push('positive = ?');
      params.push(filter.positive ? 1 : 0);
    }
    const sql = `SELECT body FROM triage_findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`;
    return this.db
      .prepare<(string | number)[], FindingRow>(sql)
      .all(...params, filter.limit, filter.offset)
      .map((row) => JSON.parse(row.body) as Finding);
  }
}
