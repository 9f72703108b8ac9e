import type { Db, DbStatement } from '../db/database.js';
import { ChangeFeed } from './changes.js';
import { PendingRemovals } from './retention/pending-removals.js';
import { findIds, type FindQuery } from './find.js';
import type { HeaderSummary, MainTags } from '../domain/header-summary.js';
import type { Level, ResourceIds } from '../domain/resource-ids.js';

export interface NewInstance {
  ids: ResourceIds;
  summary: HeaderSummary;
  sopClassUid: string;
  transferSyntaxUid: string;
  /** Path of the file, relative to the file store's root. */
  filePath: string;
  fileSize: number;
  callingAeTitle: string | null;
  remoteAddress: string | null;
  receivedAt: number;
}

export interface RecordResult {
  /** false when the instance was already indexed (a re-sent instance). */
  created: boolean;
  newPatient: boolean;
  newStudy: boolean;
  newSeries: boolean;
}

export interface InstanceRow {
  id: string;
  seriesId: string;
  sopInstanceUid: string;
  sopClassUid: string;
  instanceNumber: number | null;
  transferSyntaxUid: string;
  filePath: string;
  fileSize: number;
  callingAeTitle: string | null;
  remoteAddress: string | null;
  receivedAt: number;
  mainTags: MainTags;
}

export interface ResourceRow {
  id: string;
  level: Level;
  parentId: string | null;
  mainTags: MainTags;
  createdAt: number;
  updatedAt: number;
}

interface RawInstance {
  id: string;
  series_ref: string;
  sop_instance_uid: string;
  sop_class_uid: string;
  instance_number: number | null;
  transfer_syntax_uid: string;
  file_path: string;
  file_size: number;
  calling_ae: string | null;
  remote_address: string | null;
  received_at: number;
  main_tags: string;
}

/** The singular resource type /changes uses for each level. */
const RESOURCE_TYPE: Record<Level, string> = { patients: 'patient', studies: 'study', series: 'series', instances: 'instance' };

/** Table and parent column of each level; fixed strings, never from input. */
const TABLES: Record<Level, { table: string; parent: string | null; child: Level | null }> = {
  patients: { table: 'patients', parent: null, child: 'studies' },
  studies: { table: 'studies', parent: 'patient_ref', child: 'series' },
  series: { table: 'series', parent: 'study_ref', child: 'instances' },
  instances: { table: 'instances', parent: 'series_ref', child: null },
};

/**
 * The DICOM hierarchy in the index: patients, studies, series, instances. Writes are
 * synchronous and small so that one SQLite transaction covers an instance and its feed entry.
 */
export class DicomIndex {
  readonly changes: ChangeFeed;
  /** Files retention removed from the index and is removing from the store. */
  readonly pendingRemovals: PendingRemovals;
  private readonly stmts;
  /** Statements built from fixed per-level SQL, prepared once each. */
  private readonly cache = new Map<string, DbStatement>();

  constructor(private readonly db: Db) {
    this.changes = new ChangeFeed(db);
    this.pendingRemovals = new PendingRemovals(db);
    this.stmts = {
      instanceExists: db.prepare<[string], { id: string }>('SELECT id FROM instances WHERE id = ?'),
      // What of an instance's hierarchy the index holds, in one statement (one round trip on PostgreSQL, not four).
      known: db.prepare<[{ patient: string; study: string; series: string; instance: string }], Record<Level, 0 | 1>>(
        `SELECT EXISTS (SELECT 1 FROM patients WHERE id = @patient) AS patients, EXISTS (SELECT 1 FROM studies WHERE id = @study) AS studies,
           EXISTS (SELECT 1 FROM series WHERE id = @series) AS series, EXISTS (SELECT 1 FROM instances WHERE id = @instance) AS instances`,
      ),
      upsertPatient: db.prepare(
        `INSERT INTO patients (id, patient_id, main_tags, created_at, updated_at) VALUES (@id, @patientId, @tags, @now, @now)
         ON CONFLICT (id) DO UPDATE SET updated_at = @now`,
      ),
      upsertStudy: db.prepare(
        `INSERT INTO studies (id, patient_ref, study_instance_uid, study_date, accession_number, main_tags, created_at, updated_at)
         VALUES (@id, @parent, @uid, @date, @accession, @tags, @now, @now)
         ON CONFLICT (id) DO UPDATE SET updated_at = @now`,
      ),
      upsertSeries: db.prepare(
        `INSERT INTO series (id, study_ref, series_instance_uid, modality, main_tags, created_at, updated_at)
         VALUES (@id, @parent, @uid, @modality, @tags, @now, @now)
         ON CONFLICT (id) DO UPDATE SET updated_at = @now`,
      ),
      insertInstance: db.prepare(
        `INSERT INTO instances (id, series_ref, sop_instance_uid, sop_class_uid, instance_number, transfer_syntax_uid,
           file_path, file_size, calling_ae, remote_address, received_at, main_tags)
         VALUES (@id, @parent, @uid, @sopClass, @number, @ts, @path, @size, @ae, @remote, @now, @tags)`,
      ),
      getInstance: db.prepare<[string], RawInstance>('SELECT * FROM instances WHERE id = ?'),
      allFilePaths: db.prepare<[], { id: string; file_path: string }>('SELECT id, file_path FROM instances'),
    };
  }

  private sql<P extends unknown[] = unknown[], R = unknown>(text: string): DbStatement<P, R> {
    let statement = this.cache.get(text);
    if (!statement) this.cache.set(text, (statement = this.db.prepare(text)));
    return statement as DbStatement<P, R>;
  }

  /** Runs `fn` in one transaction (better-sqlite3 transactions are synchronous and nestable). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  instanceExists(id: string): boolean {
    return this.stmts.instanceExists.get(id) !== undefined;
  }

  /** Indexes one stored instance, creating its parents as needed, and feeds /changes. */
  recordInstance(input: NewInstance): RecordResult {
    return this.transaction(() => {
      const { ids, summary } = input;
      const known = this.stmts.known.get({ patient: ids.patient, study: ids.study, series: ids.series, instance: ids.instance })!;
      if (known.instances) return { created: false, newPatient: false, newStudy: false, newSeries: false };
      const now = input.receivedAt;
      const newPatient = !known.patients;
      const newStudy = !known.studies;
      const newSeries = !known.series;
      this.stmts.upsertPatient.run({
        id: ids.patient,
        patientId: summary.patient.PatientID ?? '',
        tags: JSON.stringify(summary.patient),
        now,
      });
      this.stmts.upsertStudy.run({
        id: ids.study,
        parent: ids.patient,
        uid: summary.study.StudyInstanceUID ?? '',
        date: summary.study.StudyDate ?? null,
        accession: summary.study.AccessionNumber ?? null,
        tags: JSON.stringify(summary.study),
        now,
      });
      this.stmts.upsertSeries.run({
        id: ids.series,
        parent: ids.study,
        uid: summary.series.SeriesInstanceUID ?? '',
        modality: summary.series.Modality ?? null,
        tags: JSON.stringify(summary.series),
        now,
      });
      const number = Number.parseInt(summary.instance.InstanceNumber ?? '', 10);
      this.stmts.insertInstance.run({
        id: ids.instance,
        parent: ids.series,
        uid: summary.instance.SOPInstanceUID ?? '',
        sopClass: input.sopClassUid,
        number: Number.isFinite(number) ? number : null,
        ts: input.transferSyntaxUid,
        path: input.filePath,
        size: input.fileSize,
        ae: input.callingAeTitle,
        remote: input.remoteAddress,
        now,
        tags: JSON.stringify(summary.instance),
      });
      if (newPatient) this.changes.append('new-patient', 'patient', ids.patient, undefined, now);
      if (newStudy) this.changes.append('new-study', 'study', ids.study, undefined, now);
      if (newSeries) this.changes.append('new-series', 'series', ids.series, undefined, now);
      this.changes.append('new-instance', 'instance', ids.instance, undefined, now);
      return { created: true, newPatient, newStudy, newSeries };
    });
  }

  /** The instance indexed under this SOP Instance UID, whatever patient, study and series it is filed under. */
  instanceBySopInstanceUid(uid: string): InstanceRow | undefined {
    const row = this.sql<[string], RawInstance>('SELECT * FROM instances WHERE sop_instance_uid = ? ORDER BY rowid LIMIT 1').get(uid);
    return row ? toInstance(row) : undefined;
  }

  /**
   * An instance sent again with other content, filed under the same ids, takes the new file's
   * facts in place (storage.duplicates: overwrite). Its parents and their arrivals stay as they are.
   */
  replaceInstance(input: NewInstance): void {
    const number = Number.parseInt(input.summary.instance.InstanceNumber ?? '', 10);
    this.sql(
      `UPDATE instances SET sop_class_uid = @sopClass, instance_number = @number, transfer_syntax_uid = @ts, file_path = @path,
         file_size = @size, calling_ae = @ae, remote_address = @remote, received_at = @now, main_tags = @tags WHERE id = @id`,
    ).run({
      id: input.ids.instance,
      sopClass: input.sopClassUid,
      number: Number.isFinite(number) ? number : null,
      ts: input.transferSyntaxUid,
      path: input.filePath,
      size: input.fileSize,
      ae: input.callingAeTitle,
      remote: input.remoteAddress,
      now: input.receivedAt,
      tags: JSON.stringify(input.summary.instance),
    });
  }

  getInstance(id: string): InstanceRow | undefined {
    const row = this.stmts.getInstance.get(id);
    return row ? toInstance(row) : undefined;
  }

  getResource(level: Level, id: string): ResourceRow | undefined {
    const { table, parent } = TABLES[level];
    const row = this.sql<[string], { id: string; parent: string | null; main_tags: string; created_at: number; updated_at: number }>(
      level === 'instances'
        ? `SELECT id, ${parent} AS parent, main_tags, received_at AS created_at, received_at AS updated_at FROM ${table} WHERE id = ?`
        : `SELECT id, ${parent ?? 'NULL'} AS parent, main_tags, created_at, updated_at FROM ${table} WHERE id = ?`,
    ).get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      level,
      parentId: row.parent,
      mainTags: JSON.parse(row.main_tags) as MainTags,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Ids of the direct children of a resource, in a stable order. */
  childIds(level: Level, id: string): string[] {
    const child = TABLES[level].child;
    if (!child) return [];
    const { table, parent } = TABLES[child];
    // NULLS FIRST said, not left to SQLite's default (PostgreSQL's is NULLS LAST): instances without a number first on both.
    const order = child === 'instances' ? 'instance_number NULLS FIRST, rowid' : 'rowid';
    return this.sql<[string], { id: string }>(`SELECT id FROM ${table} WHERE ${parent} = ? ORDER BY ${order}`)
      .all(id)
      .map((r) => r.id);
  }

  /** Orthanc-style paging: `since` is an offset into the level in insertion order. */
  listIds(level: Level, since: number, limit: number): string[] {
    return this.sql<[number, number], { id: string }>(`SELECT id FROM ${TABLES[level].table} ORDER BY rowid LIMIT ? OFFSET ?`)
      .all(limit, since)
      .map((r) => r.id);
  }

  /** Ids at a level whose main tags (or their parents') match every criterion (POST /tools/find). */
  find(query: FindQuery): string[] {
    return findIds(this.db, query);
  }

  count(level: Level): number {
    return this.sql<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${TABLES[level].table}`).get()!.n;
  }

  totalSize(): number {
    // CAST: PostgreSQL sums a BIGINT as NUMERIC, which its driver hands over as text.
    return this.sql<[], { n: number | null }>('SELECT CAST(SUM(file_size) AS BIGINT) AS n FROM instances').get()!.n ?? 0;
  }

  /** Instances under any resource (for deletion and downloads). */
  instancesUnder(level: Level, id: string): InstanceRow[] {
    const where: Record<Level, string> = {
      instances: 'i.id = ?',
      series: 'i.series_ref = ?',
      studies: 'i.series_ref IN (SELECT id FROM series WHERE study_ref = ?)',
      patients: 'i.series_ref IN (SELECT s.id FROM series s JOIN studies st ON s.study_ref = st.id WHERE st.patient_ref = ?)',
    };
    return this.sql<[string], RawInstance>(`SELECT i.* FROM instances i WHERE ${where[level]} ORDER BY i.rowid`).all(id).map(toInstance);
  }

  /**
   * Deletes a resource and everything under it, then any parent left empty. Returns the
   * instances removed so the caller can delete their files after the commit.
   */
  deleteResource(level: Level, id: string): InstanceRow[] {
    return this.transaction(() => {
      const removed = this.instancesUnder(level, id);
      const resource = this.getResource(level, id);
      if (!resource) return [];
      this.sql(`DELETE FROM ${TABLES[level].table} WHERE id = ?`).run(id);
      this.changes.append('deleted', RESOURCE_TYPE[level], id);
      this.pruneEmptyParents(level, resource.parentId);
      return removed;
    });
  }

  /**
   * Deletes a resource as `deleteResource` does and lists its files for removal in the same
   * transaction (`PendingRemovals`): a stop before the files go leaves them listed, and the next
   * start removes them instead of indexing them again. The caller removes them after the commit.
   */
  deleteResourceWithFiles(level: Level, id: string, now: number): InstanceRow[] {
    return this.transaction(() => {
      const removed = this.deleteResource(level, id);
      for (const row of removed) this.pendingRemovals.add(row.filePath, now);
      return removed;
    });
  }

  /** Removes index rows of instances whose files are gone (start-up repair). */
  deleteInstanceRow(id: string): void {
    this.transaction(() => {
      const row = this.getInstance(id);
      if (!row) return;
      this.sql('DELETE FROM instances WHERE id = ?').run(id);
      this.pruneEmptyParents('instances', row.seriesId);
    });
  }

  allFilePaths(): { id: string; filePath: string }[] {
    return this.stmts.allFilePaths.all().map((r) => ({ id: r.id, filePath: r.file_path }));
  }

  private pruneEmptyParents(level: Level, parentId: string | null): void {
    const chain: Level[] = ['instances', 'series', 'studies', 'patients'];
    let index = chain.indexOf(level);
    let id = parentId;
    while (id && index < chain.length - 1) {
      const parentLevel = chain[index + 1]!;
      if (this.childIds(parentLevel, id).length > 0) return;
      const parent = this.getResource(parentLevel, id);
      this.sql(`DELETE FROM ${TABLES[parentLevel].table} WHERE id = ?`).run(id);
      id = parent?.parentId ?? null;
      index += 1;
    }
  }
}

function toInstance(row: RawInstance): InstanceRow {
  return {
    id: row.id,
    seriesId: row.series_ref,
    sopInstanceUid: row.sop_instance_uid,
    sopClassUid: row.sop_class_uid,
    instanceNumber: row.instance_number,
    transferSyntaxUid: row.transfer_syntax_uid,
    filePath: row.file_path,
    fileSize: row.file_size,
    callingAeTitle: row.calling_ae,
    remoteAddress: row.remote_address,
    receivedAt: row.received_at,
    mainTags: JSON.parse(row.main_tags) as MainTags,
  };
}
