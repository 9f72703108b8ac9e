import fs from 'node:fs';
import path from 'node:path';
import { readHeader } from '../dicom/data/header.js';
import { flattenValue, summarizeHeader } from '../domain/header-summary.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex } from './dicom-index.js';
import type { FileStore } from './file-store.js';
import { resourceIdsOf } from '../domain/resource-ids.js';

export interface StartupReport {
  uncleanShutdown: boolean;
  tempFilesRemoved: number;
  rowsWithoutFileRemoved: number;
  filesReindexed: number;
  filesQuarantined: number;
  /** Files of studies retention removed whose removal a stop interrupted. */
  retentionRemovalsFinished: number;
}

const RUNNING_MARKER = 'vigil.running';

/**
 * Makes the store and the index agree before the node accepts anything.
 *
 * Temp files are always removed: no instance in them was ever acknowledged. After an unclean
 * stop (the marker file is still there) every row is checked for its file and every file for
 * its row. A file without a row was complete when it was renamed into place, so it is indexed
 * again rather than thrown away (a file cut short by a power loss fails that and goes to
 * quarantine); a file that cannot be parsed is set aside in
 * `quarantine/` for a person to look at, never deleted.
 */
export async function runStartupCheck(dataDir: string, files: FileStore, index: DicomIndex, log: Logger): Promise<StartupReport> {
  const marker = path.join(dataDir, RUNNING_MARKER);
  const report: StartupReport = {
    uncleanShutdown: fs.existsSync(marker),
    tempFilesRemoved: 0,
    rowsWithoutFileRemoved: 0,
    filesReindexed: 0,
    filesQuarantined: 0,
    retentionRemovalsFinished: 0,
  };
  for (const temp of files.listTempFiles()) {
    fs.rmSync(temp, { force: true });
    report.tempFilesRemoved++;
  }
  // Before looking for files without rows: a file retention removed from the index is no orphan to index again.
  report.retentionRemovalsFinished = index.pendingRemovals.finish(files).removed;
  if (report.uncleanShutdown) await reconcile(dataDir, files, index, report);
  fs.writeFileSync(marker, `${process.pid}\n`);
  const changed = report.tempFilesRemoved + report.rowsWithoutFileRemoved + report.filesReindexed + report.filesQuarantined + report.retentionRemovalsFinished;
  if (report.uncleanShutdown || changed > 0) log.warn('start-up check repaired the store', { ...report });
  else log.info('start-up check: store and index agree');
  return report;
}

/** Called on a clean stop, so the next start can skip the full reconciliation. */
export function markCleanShutdown(dataDir: string): void {
  fs.rmSync(path.join(dataDir, RUNNING_MARKER), { force: true });
}

async function reconcile(dataDir: string, files: FileStore, index: DicomIndex, report: StartupReport): Promise<void> {
  const indexed = new Set<string>();
  for (const { id, filePath } of index.allFilePaths()) {
    if (fs.existsSync(files.absolutePath(filePath))) indexed.add(filePath);
    else {
      index.deleteInstanceRow(id);
      report.rowsWithoutFileRemoved++;
    }
  }
  for (const relativePath of files.walk()) {
    if (indexed.has(relativePath)) continue;
    const absolute = files.absolutePath(relativePath);
    try {
      await reindex(absolute, relativePath, files, index);
      report.filesReindexed++;
    } catch {
      const quarantine = path.join(dataDir, 'quarantine');
      fs.mkdirSync(quarantine, { recursive: true });
      fs.renameSync(absolute, path.join(quarantine, path.basename(relativePath)));
      report.filesQuarantined++;
    }
  }
}

async function reindex(absolute: string, relativePath: string, files: FileStore, index: DicomIndex): Promise<void> {
  const header = await readHeader(absolute);
  const summary = summarizeHeader(header.attrs);
  const ids = resourceIdsOf(summary);
  if (files.relativePathFor(ids.instance) !== relativePath) throw new Error('file is not where its UIDs put it');
  const meta = (key: string): string | null => flattenValue(header.meta[key]?.Value) ?? null;
  index.recordInstance({
    ids,
    summary,
    sopClassUid: summary.instance.SOPClassUID ?? meta('00020002') ?? '',
    transferSyntaxUid: meta('00020010') ?? '',
    filePath: relativePath,
    fileSize: fs.statSync(absolute).size,
    callingAeTitle: meta('00020016'),
    remoteAddress: null,
    receivedAt: Math.round(fs.statSync(absolute).mtimeMs),
  });
}
