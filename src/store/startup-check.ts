import fs from 'node:fs';
import path from 'node:path';
import { readHeader } from '../dicom/data/header.js';
import { flattenValue, summarizeHeader } from '../domain/header-summary.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex } from './dicom-index.js';
import type { FileStore } from './file-store.js';
import { resourceIdsOf } from '../domain/resource-ids.js';
import { ownerGone, ownerOf, ownerTag, retireOwner } from './owner.js';

export interface StartupReport {
  uncleanShutdown: boolean;
  tempFilesRemoved: number;
  rowsWithoutFileRemoved: number;
  filesReindexed: number;
  filesQuarantined: number;
  /** Files of studies retention removed whose removal a stop interrupted. */
  retentionRemovalsFinished: number;
}

/** The marker of a node of the days before clusters: one for the whole folder. */
const LEGACY_MARKER = 'vigil.running';
/** Each running node's marker: `run/<host>_<pid>_<nonce>.running` (owner.ts), present from its start to its clean stop. */
const MARKERS_DIR = 'run';
/** A running node touches its marker this often... */
export const MARKER_HEARTBEAT_MS = 60_000;
/** ...so one untouched this long belongs to a node that is gone, on whatever host. */
const MARKER_STALE_MS = 5 * MARKER_HEARTBEAT_MS;
/**
 * A temp file untouched this long is nobody's work: a receiving node writes as data comes, and
 * a peer quiet longer than dicom.timeouts.pduMs (60 s by default) is cut off.
 */
export const TEMP_STALE_MS = 15 * 60_000;
/**
 * After an unclean stop while other nodes run, a file without a row younger than this may be
 * another node's instance between its rename into the store and its index commit: left alone.
 */
const RECONCILE_GRACE_MS = TEMP_STALE_MS;

/**
 * Makes the store and the index agree before the node accepts anything. Several nodes may share
 * the data folder (config/cluster/README.md); this check removes only what no live node uses.
 *
 * Temp files were never acknowledged. One is removed when its writer is gone (owner-based on this
 * host: the pid in its name is not running, or it is a former life of this process), or when it
 * has not been written for TEMP_STALE_MS (age-based, for another host's files and names of
 * another form). A live node's temp file is never removed.
 *
 * Each node keeps a marker in `run/` while it runs (touched every minute). A marker left by a
 * node that is gone (the same owner rule, or untouched for five minutes) means an unclean stop:
 * every row is checked for its file and every file for its row. A file without a row was complete
 * when it was renamed into place, so it is indexed again rather than thrown away (a file cut short
 * by a power loss fails that and goes to quarantine); a file that cannot be parsed is set aside in
 * `quarantine/` for a person to look at, never deleted. While other nodes run, a file younger than
 * RECONCILE_GRACE_MS is left alone (it may be theirs, its row about to commit).
 *
 * Retention's interrupted removals are finished by the node that runs retention (`scheduler`).
 */
export async function runStartupCheck(
  dataDir: string,
  files: FileStore,
  index: DicomIndex,
  log: Logger,
  opts: { finishRetention?: boolean; now?: number } = {},
): Promise<StartupReport> {
  const now = opts.now ?? Date.now();
  const markers = path.join(dataDir, MARKERS_DIR);
  fs.mkdirSync(markers, { recursive: true });
  const stale: string[] = [];
  let othersRunning = false;
  for (const name of fs.readdirSync(markers)) {
    const file = path.join(markers, name);
    if (isLeftOver(name, file, now, MARKER_STALE_MS)) stale.push(file);
    else othersRunning = true;
  }
  const legacy = path.join(dataDir, LEGACY_MARKER);
  if (fs.existsSync(legacy)) stale.push(legacy);
  const report: StartupReport = {
    uncleanShutdown: stale.length > 0,
    tempFilesRemoved: 0,
    rowsWithoutFileRemoved: 0,
    filesReindexed: 0,
    filesQuarantined: 0,
    retentionRemovalsFinished: 0,
  };
  for (const temp of files.listTempFiles()) {
    if (!isLeftOver(path.basename(temp), temp, now, TEMP_STALE_MS, true)) continue;
    fs.rmSync(temp, { force: true });
    report.tempFilesRemoved++;
  }
  // Before looking for files without rows: a file retention removed from the index is no orphan to index again.
  if (opts.finishRetention ?? true) report.retentionRemovalsFinished = index.pendingRemovals.finish(files).removed;
  if (report.uncleanShutdown) await reconcile(dataDir, files, index, report, othersRunning ? now - RECONCILE_GRACE_MS : undefined);
  for (const file of stale) fs.rmSync(file, { force: true });
  fs.writeFileSync(markerPath(dataDir, files), `${process.pid}\n`);
  const changed = report.tempFilesRemoved + report.rowsWithoutFileRemoved + report.filesReindexed + report.filesQuarantined + report.retentionRemovalsFinished;
  if (report.uncleanShutdown || changed > 0) log.warn('start-up check repaired the store', { ...report, othersRunning });
  else log.info('start-up check: store and index agree', { othersRunning });
  return report;
}

function markerPath(dataDir: string, files: FileStore): string {
  return path.join(dataDir, MARKERS_DIR, `${ownerTag(files.owner)}.running`);
}

/**
 * Whether a temp file or a marker is a leftover: its owner is gone (this host), or it is older
 * than `staleMs`. A name that names no owner is a leftover when `unownedIsLeftOver` (temp files
 * of the days before clusters), else by age.
 */
function isLeftOver(name: string, file: string, now: number, staleMs: number, unownedIsLeftOver = false): boolean {
  const owner = ownerOf(name);
  if (!owner && unownedIsLeftOver) return true;
  if (owner && ownerGone(owner) === true) return true;
  try {
    return now - fs.statSync(file).mtimeMs > staleMs;
  } catch {
    return false; // gone meanwhile: its owner took it
  }
}

/** Keeps this node's marker fresh while it runs, so other nodes' start-up checks know it lives. */
export function keepMarkerFresh(dataDir: string, files: FileStore): () => void {
  const file = markerPath(dataDir, files);
  const timer = setInterval(() => {
    const at = new Date();
    try {
      fs.utimesSync(file, at, at);
    } catch {
      // Removed by hand, or the folder is read-only now: the next start sees an unclean stop, which is safe.
    }
  }, MARKER_HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Called on a clean stop, so the next start can skip the full reconciliation. */
export function markCleanShutdown(dataDir: string, files: FileStore): void {
  fs.rmSync(markerPath(dataDir, files), { force: true });
  retireOwner(files.owner);
}

async function reconcile(dataDir: string, files: FileStore, index: DicomIndex, report: StartupReport, youngerLeftAlone?: number): Promise<void> {
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
    if (youngerLeftAlone !== undefined) {
      const stat = fs.statSync(absolute, { throwIfNoEntry: false });
      if (stat === undefined || stat.mtimeMs > youngerLeftAlone) continue;
    }
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
