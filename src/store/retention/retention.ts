import cron, { type ScheduledTask } from 'node-cron';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { Clock } from '../../core/clock.js';
import type { RetentionConfig } from '../../config/sections/storage.js';
import type { Logger } from '../../log/logger.js';
import type { Db } from '../../db/database.js';
import type { DicomIndex } from '../dicom-index.js';
import type { FileStore } from '../file-store.js';
import { RetentionProtections, type Protection } from './protections.js';
import type { RetentionMetrics } from './retention-metrics.js';
import type { RetentionReason } from './retention-reasons.js';

export { RETENTION_REASONS, type RetentionReason } from './retention-reasons.js';

const DAY_MS = 86_400_000;
const MB = 1024 * 1024;
/** Studies read from the index at a time, oldest first. */
const PAGE = 200;

export interface RemovedStudy {
  studyId: string;
  reason: RetentionReason;
  instances: number;
  bytes: number;
}

export interface RetentionReport {
  removed: RemovedStudy[];
  /** Studies a limit would have removed, kept by the first protection that held. */
  kept: Partial<Record<Protection, number>>;
  /** Bytes of stored files before and after the run. */
  bytesBefore: number;
  bytesAfter: number;
  /** True when maxStorageMb is set and the files still take more (everything old enough is protected). */
  overSizeLimit: boolean;
}

export interface RetentionDeps {
  db: Db;
  index: DicomIndex;
  files: FileStore;
  audit: AuditTrail;
  config: RetentionConfig;
  clock: Clock;
  log: Logger;
  metrics?: RetentionMetrics;
}

/**
 * Retention (storage.retention): on its schedule, removes studies past maxAgeDays, and the
 * oldest studies while the stored files take more than maxStorageMb, oldest last arrival
 * first. A study that something still needs is kept (protections.ts), checked again inside the
 * transaction that removes it.
 *
 * A removal is one transaction: the study's index rows, its files listed for removal, a
 * `retention-removed` entry in /changes (beside the `deleted` one) and an audit trail entry.
 * The files go after the commit, in the same tick (no C-STORE can index one of them meanwhile),
 * and then their list entries. A stop in between leaves the list, which the next start
 * finishes; nothing is ever an index row without its file.
 */
export class Retention {
  private readonly protections: RetentionProtections;
  private readonly oldestPage;
  private readonly studySize;
  private task: ScheduledTask | undefined;
  private running: Promise<RetentionReport> | undefined;

  constructor(private readonly deps: RetentionDeps) {
    this.protections = new RetentionProtections(deps.db);
    this.oldestPage = deps.db.prepare<[number, string, number], { id: string; updated_at: number }>(
      `SELECT id, updated_at FROM studies WHERE (updated_at, id) > (?, ?) ORDER BY updated_at, id LIMIT ?`,
    );
    this.studySize = deps.db.prepare<[string], { n: number; bytes: number | null }>(
      // CAST: PostgreSQL sums a BIGINT as NUMERIC, which its driver hands over as text.
      `SELECT COUNT(*) AS n, CAST(SUM(file_size) AS BIGINT) AS bytes FROM instances WHERE series_ref IN (SELECT id FROM series WHERE study_ref = ?)`,
    );
  }

  /** Whether any limit is set. */
  get enabled(): boolean {
    const { maxAgeDays, maxStorageMb } = this.deps.config;
    return maxAgeDays !== null || maxStorageMb !== null;
  }

  start(): void {
    if (!this.enabled) return;
    this.task = cron.schedule(this.deps.config.schedule, () => void this.runSafely(), { name: 'storage-retention', noOverlap: true, timezone: 'Etc/UTC' });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One run now (the schedule calls this; so may a test or an operator's tool). Runs never overlap. */
  run(): Promise<RetentionReport> {
    this.running ??= this.runOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runSafely(): Promise<void> {
    try {
      await this.run();
    } catch (err) {
      this.deps.log.error('retention run failed', { error: (err as Error).message });
    }
  }

  private async runOnce(): Promise<RetentionReport> {
    const { index, files, config, clock, log } = this.deps;
    const leftOver = index.pendingRemovals.finish(files);
    if (leftOver.removed + leftOver.failed > 0) log.warn('retention finished removals a stop interrupted', leftOver);
    const now = clock.now();
    const ageCutoff = config.maxAgeDays === null ? undefined : now - config.maxAgeDays * DAY_MS;
    const limit = config.maxStorageMb === null ? undefined : config.maxStorageMb * MB;
    const bytesBefore = index.totalSize();
    let total = bytesBefore;
    const report: RetentionReport = { removed: [], kept: {}, bytesBefore, bytesAfter: bytesBefore, overSizeLimit: false };
    let cursor: [number, string] = [Number.MIN_SAFE_INTEGER, ''];
    scan: for (;;) {
      const page = this.oldestPage.all(cursor[0], cursor[1], PAGE);
      if (page.length === 0) break;
      for (const study of page) {
        cursor = [study.updated_at, study.id];
        const reason: RetentionReason | undefined =
          ageCutoff !== undefined && study.updated_at < ageCutoff ? 'age' : limit !== undefined && total > limit ? 'size' : undefined;
        // Oldest first: once a study is neither too old nor needed for room, none after it is.
        if (!reason) break scan;
        const outcome = this.remove(study.id, reason, now);
        if (outcome.kind === 'kept') {
          report.kept[outcome.protection] = (report.kept[outcome.protection] ?? 0) + 1;
          continue;
        }
        if (outcome.kind === 'gone') continue;
        report.removed.push(outcome.removed);
        total -= outcome.removed.bytes;
        this.deps.metrics?.removed(reason, outcome.removed.bytes);
      }
      // Let the SCP and the API in between pages.
      await new Promise((resolve) => setImmediate(resolve));
    }
    report.bytesAfter = index.totalSize();
    report.overSizeLimit = limit !== undefined && report.bytesAfter > limit;
    this.deps.metrics?.ran(report.kept, clock.now());
    const summary = {
      studiesRemoved: report.removed.length,
      bytesRemoved: report.bytesBefore - report.bytesAfter,
      kept: report.kept,
      bytesAfter: report.bytesAfter,
    };
    if (report.overSizeLimit) log.warn('retention could not bring the store under storage.retention.maxStorageMb: the studies left are protected', summary);
    else if (report.removed.length > 0 || Object.keys(report.kept).length > 0) log.info('retention run', summary);
    return report;
  }

  /** Removes one study unless a protection holds (asked inside the removing transaction). */
  private remove(
    studyId: string,
    reason: RetentionReason,
    now: number,
  ): { kind: 'removed'; removed: RemovedStudy } | { kind: 'kept'; protection: Protection } | { kind: 'gone' } {
    const { index, files, audit, log } = this.deps;
    const outcome = index.transaction(() => {
      // Removed meanwhile (through the API) between the page read and now.
      if (!index.getResource('studies', studyId)) return { kind: 'gone' as const };
      const holding = this.protections.of(studyId);
      if (holding.length > 0) return { kind: 'kept' as const, protection: holding[0]! };
      const size = this.studySize.get(studyId)!;
      const rows = index.deleteResource('studies', studyId);
      for (const row of rows) index.pendingRemovals.add(row.filePath, now);
      const removed: RemovedStudy = { studyId, reason, instances: rows.length, bytes: size.bytes ?? 0 };
      index.changes.append('retention-removed', 'study', studyId, { reason, instances: removed.instances, bytes: removed.bytes }, now);
      audit.record(
        {
          tokenName: 'system:retention',
          role: null,
          address: null,
          method: 'SYSTEM',
          route: 'storage.retention',
          params: { reason, instances: String(removed.instances), bytes: String(removed.bytes) },
          resources: [studyId],
          status: 200,
        },
        now,
      );
      return { kind: 'removed' as const, removed, rows };
    });
    if (outcome.kind !== 'removed') return outcome;
    // Same tick as the commit: see PendingRemovals.removeNow.
    let failed = 0;
    for (const row of outcome.rows) {
      try {
        index.pendingRemovals.removeNow(files, row.filePath);
      } catch {
        failed++;
      }
    }
    files.space.invalidate();
    if (failed > 0) log.warn('retention could not remove some files of a removed study: tried again at the next run', { studyId, failed });
    log.info('retention removed a study', { ...outcome.removed });
    return { kind: 'removed', removed: outcome.removed };
  }
}
