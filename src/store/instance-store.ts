import { isIndexFull } from '../db/errors.js';
import { buildFileMetaHeader } from '../dicom/data/part10.js';
import fs from 'node:fs';
import { parseHeader } from '../dicom/data/header.js';
import type { ByteSource } from '../dicom/data/structure-check.js';
import { readMainTags } from '../dicom/data/main-tags.js';
import { checkDatasetStructure, type StructureProblem } from '../dicom/data/structure-check.js';
import type { StorageConfig } from '../config/sections/storage.js';
import { summarizeHeader, type HeaderSummary } from '../domain/header-summary.js';
import { TransferSyntax } from '../dicom/data/uids.js';
import { isVigilError, systemErrorCode } from '../core/errors.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex, InstanceRow } from './dicom-index.js';
import { part10DataStart, sameDataset } from './same-dataset.js';
import type { FileStore } from './file-store.js';
import { resourceIdsOf, type ResourceIds } from '../domain/resource-ids.js';
import { TempFileWriter } from './temp-file-writer.js';
import { GroupCommit } from './group-commit.js';
import { describeError } from '../log/describe-error.js';

const MB = 1024 * 1024;
/** A group of instances committed together is closed at this size: bounded time in one transaction. */
const GROUP_COMMIT_MAX = 64;
/** A UID is at most 64 characters (PS3.5 9.1). */
const MAX_UID_LENGTH = 64;

/** What the sender said about the instance in its C-STORE command and association. */
export interface IncomingInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  callingAeTitle: string;
  remoteAddress: string | null;
}

/** Why an instance was not stored. The SCP maps each to its DIMSE status in one place. */
export type RefusalReason =
  | 'out-of-resources'
  | 'unparsable'
  | 'truncated'
  | 'missing-attribute'
  | 'uid-mismatch'
  | 'invalid-uid'
  | 'element-too-large'
  | 'sop-class-mismatch'
  | 'filtered'
  | 'internal';

export type StoreOutcome =
  | { kind: 'stored'; instanceId: string; ids: ResourceIds }
  /** Held already with the same data set (a re-send): nothing to do. */
  | { kind: 'duplicate'; instanceId: string; ids: ResourceIds }
  /** Held already with other content, kept (storage.duplicates: keep-first); `instanceId` is the one held. */
  | { kind: 'duplicate-ignored'; instanceId: string }
  /** Held already with other content, replaced (storage.duplicates: overwrite). */
  | { kind: 'overwritten'; instanceId: string; ids: ResourceIds; previousId: string }
  | { kind: 'refused'; reason: RefusalReason; detail: string; status?: number };

/** A candidate instance as filters see it: its header, never its pixels. */
export interface StoreCandidate {
  incoming: IncomingInstance;
  summary: HeaderSummary;
  /** The whole header, naturalized by dcmjs: parsed on the first call only, as few filters need it. */
  attrs(): Promise<Record<string, unknown>>;
}

/** A filter may refuse an instance with a DIMSE status and a reason (plugins' filterIncomingStore). */
export type StoreFilter = (candidate: StoreCandidate) => Promise<{ status: number; reason: string } | undefined>;

/**
 * Turns a received data set into a stored, indexed instance: stream to a temp file, check it,
 * move it into the store, index it in one transaction, and only then report success. Any
 * failure removes what was written and comes back as a refusal with its reason.
 */
export class InstanceStore {
  private readonly filters: StoreFilter[] = [];
  /** The filing under way for each SOP Instance UID, which the next one of that UID waits for. */
  private readonly filing = new Map<string, Promise<void>>();
  private readonly group: GroupCommit;
  private readonly groupObservers: ((size: number) => void)[] = [];

  constructor(
    private readonly files: FileStore,
    private readonly index: DicomIndex,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly config: Pick<StorageConfig, 'maxElementMb' | 'duplicates' | 'groupCommitMs'> = {
      maxElementMb: 256,
      duplicates: 'keep-first',
      groupCommitMs: 0,
    },
  ) {
    this.group = new GroupCommit(
      (fn) => this.index.transaction(fn),
      { windowMs: config.groupCommitMs, maxMembers: GROUP_COMMIT_MAX },
      (size) => this.groupObservers.forEach((observe) => observe(size)),
    );
  }

  /** Told the size of each group of instances committed together (metrics). */
  observeGroupCommits(observe: (size: number) => void): void {
    this.groupObservers.push(observe);
  }

  addFilter(filter: StoreFilter): void {
    this.filters.push(filter);
  }

  /** A writer for the data set of one C-STORE; the SCP pipes the network bytes into it. */
  createWriter(incoming: IncomingInstance): TempFileWriter {
    const prefix = buildFileMetaHeader({
      sopClassUid: incoming.sopClassUid,
      sopInstanceUid: incoming.sopInstanceUid,
      transferSyntaxUid: incoming.transferSyntaxUid,
      sourceAeTitle: incoming.callingAeTitle,
    });
    const refusal = this.files.hasFreeSpace() ? undefined : new Error('free space below the configured minimum');
    return new TempFileWriter(this.files.newTempPath(), prefix, this.files.fsyncEnabled, refusal, this.files.space);
  }

  /** Completes one C-STORE once its writer has ended. Always resolves. */
  async complete(writer: TempFileWriter, incoming: IncomingInstance): Promise<StoreOutcome> {
    try {
      await writer.settled();
      const outcome = await this.store(writer, incoming);
      if (outcome.kind !== 'stored') await writer.discard();
      return outcome;
    } catch (err) {
      await writer.discard();
      this.log.error('instance could not be stored', { error: describeError(err), code: systemErrorCode(err) });
      return { kind: 'refused', reason: isOutOfResources(err) ? 'out-of-resources' : 'internal', detail: 'storage failure' };
    }
  }

  /** Drops a data set whose association ended before it was complete. */
  async abandon(writer: TempFileWriter): Promise<void> {
    await writer.discard();
  }

  private async store(writer: TempFileWriter, incoming: IncomingInstance): Promise<StoreOutcome> {
    if (writer.failure) {
      this.log.warn('instance refused: write failed', { code: systemErrorCode(writer.failure) ?? 'low-space' });
      return { kind: 'refused', reason: 'out-of-resources', detail: 'the node cannot write to its store' };
    }
    const contents = writer.contents();
    const structure = checkDatasetStructure(
      contents,
      writer.prefixLength,
      incoming.transferSyntaxUid !== TransferSyntax.ImplicitVRLittleEndian,
      this.config.maxElementMb * MB,
    );
    if (structure) return structureRefusal(structure, this.config.maxElementMb);

    let attrs: Promise<Record<string, unknown>> | undefined;
    const fullHeader = () => (attrs ??= parseFullHeader(writer, contents));
    // Through the file's bytes, not only the first 64 KB kept in memory: a large element before
    // the main tags is skipped, never read (it once made the whole file come into memory).
    let summary = readMainTags(contents, writer.prefixLength, incoming.transferSyntaxUid);
    try {
      summary ??= summarizeHeader(await fullHeader());
    } catch (err) {
      return unparsable(err);
    }
    const problem = checkIdentity(summary, incoming);
    if (problem) return problem;
    return this.oneAtATime(summary.instance.SOPInstanceUID!, () => this.file(writer, incoming, summary, fullHeader));
  }

  /**
   * Runs the filing of one SOP Instance UID after any other filing of the same UID still under
   * way: two associations sending it at once (under two PatientIDs, or with other pixels) would
   * otherwise both find it not held, and file it twice or rename one file over the other.
   */
  private async oneAtATime<T>(uid: string, run: () => Promise<T>): Promise<T> {
    const before = this.filing.get(uid);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.filing.set(uid, mine);
    try {
      await before;
      return await run();
    } finally {
      done();
      if (this.filing.get(uid) === mine) this.filing.delete(uid);
    }
  }

  /** Files a checked instance: duplicates by storage.duplicates, filters, then the store and the index. */
  private async file(
    writer: TempFileWriter,
    incoming: IncomingInstance,
    summary: HeaderSummary,
    fullHeader: () => Promise<Record<string, unknown>>,
  ): Promise<StoreOutcome> {
    const ids = resourceIdsOf(summary);
    // Held already under this SOP Instance UID, whatever patient it is filed under.
    const held = this.index.instanceBySopInstanceUid(summary.instance.SOPInstanceUID!);
    if (held) {
      const unchanged = held.id === ids.instance && (await this.holdsSameDataset(held.filePath, writer));
      if (unchanged) return { kind: 'duplicate', instanceId: ids.instance, ids };
      if (this.config.duplicates === 'keep-first') return this.ignoreDuplicate(held, ids);
    }

    for (const filter of this.filters) {
      let verdict;
      try {
        verdict = await filter({ incoming, summary, attrs: fullHeader });
      } catch (err) {
        return unparsable(err); // a filter asked for the whole header and dcmjs could not read it
      }
      if (verdict) return { kind: 'refused', reason: 'filtered', detail: verdict.reason, status: verdict.status };
    }

    const heldInPlace = held?.id === ids.instance;
    // In place (overwrite) the old file is replaced at once: flushed before its row changes.
    const { relativePath } = heldInPlace ? await this.files.commit(writer, ids.instance) : this.files.place(writer, ids.instance);
    const storedAt = Date.now();
    const record = {
      ids,
      summary,
      sopClassUid: incoming.sopClassUid,
      transferSyntaxUid: incoming.transferSyntaxUid,
      filePath: relativePath,
      fileSize: writer.bytesWritten,
      callingAeTitle: incoming.callingAeTitle,
      remoteAddress: incoming.remoteAddress,
      receivedAt: storedAt,
    };
    const heldPatient = held && this.patientOf(held);
    if (heldInPlace) {
      // Overwritten in place: the rename above replaced the file; the row takes its facts. A
      // failure here leaves the new file under the old row, never a row without a file.
      this.index.transaction(() => {
        this.index.replaceInstance(record);
        this.index.changes.append('instance-overwritten', 'instance', ids.instance, { previous: held.id, otherPatient: false }, storedAt);
      });
      this.log.warn('instance sent again with other content: replaced (storage.duplicates: overwrite)', { instanceId: ids.instance });
      return { kind: 'overwritten', instanceId: ids.instance, ids, previousId: held.id };
    }
    let result;
    try {
      // The synchronous listeners of instance-stored (the series tracker above all) write in
      // the same transaction as the instance (its savepoint), and no arrival the
      // index has but the tracker never heard of. A listener's failure is the bus's to report;
      // it never undoes the instance. The file is flushed and the transaction runs with those
      // of the other instances ready at the same time (group-commit.ts): one savepoint each.
      result = await this.group.submit({
        flush: () => writer.flush(),
        write: () => {
          // Overwriting one filed elsewhere (another patient, study or series): it goes, and its
          // parents if that leaves them empty, in the same transaction as the new one comes.
          if (held) this.index.deleteResource('instances', held.id);
          const recorded = this.index.recordInstance(record);
          if (held) {
            this.index.changes.append(
              'instance-overwritten',
              'instance',
              ids.instance,
              { previous: held.id, otherPatient: heldPatient !== ids.patient },
              storedAt,
            );
          }
          if (recorded.created) {
            this.bus.emit('instance-stored', {
              instanceId: ids.instance,
              seriesId: ids.series,
              studyId: ids.study,
              patientId: ids.patient,
              sopInstanceUid: summary.instance.SOPInstanceUID!,
              seriesInstanceUid: summary.series.SeriesInstanceUID!,
              studyInstanceUid: summary.study.StudyInstanceUID!,
              sopClassUid: incoming.sopClassUid,
              modality: summary.series.Modality ?? null,
              callingAeTitle: incoming.callingAeTitle,
              newSeries: recorded.newSeries,
              newStudy: recorded.newStudy,
              storedAt,
            });
          }
          return recorded;
        },
      });
    } catch (err) {
      // The file is in place but not indexed: take it back out so nothing half-stored remains.
      await this.files.remove(relativePath);
      throw err;
    }
    if (!result.created) return { kind: 'duplicate', instanceId: ids.instance, ids };
    if (held) {
      await this.files
        .remove(held.filePath)
        .catch((err: unknown) => this.log.warn('file of an overwritten instance could not be removed', { instanceId: held.id, error: (err as Error).message }));
      this.log.warn('instance sent again with other content: replaced (storage.duplicates: overwrite)', { instanceId: ids.instance, previous: held.id });
      return { kind: 'overwritten', instanceId: ids.instance, ids, previousId: held.id };
    }
    return { kind: 'stored', instanceId: ids.instance, ids };
  }

  /** Whether the file held has the data set just received, byte for byte (a plain re-send). */
  private async holdsSameDataset(heldPath: string, writer: TempFileWriter): Promise<boolean> {
    const path = this.files.absolutePath(heldPath);
    return sameDataset({ path, dataStart: await part10DataStart(path) }, { path: writer.path, dataStart: writer.prefixLength });
  }

  /** storage.duplicates: keep-first. Nothing stored; said in the log, in /changes and by the status. */
  private ignoreDuplicate(held: InstanceRow, ids: ResourceIds): StoreOutcome {
    const otherPatient = this.patientOf(held) !== ids.patient;
    this.index.changes.append('duplicate-ignored', 'instance', held.id, { otherPatient });
    this.log.warn('instance sent again with other content: the one held is kept (storage.duplicates: keep-first)', { instanceId: held.id, otherPatient });
    return { kind: 'duplicate-ignored', instanceId: held.id };
  }

  private patientOf(instance: InstanceRow): string | undefined {
    const study = this.index.getResource('series', instance.seriesId)?.parentId;
    return study ? (this.index.getResource('studies', study)?.parentId ?? undefined) : undefined;
  }
}

/**
 * The header as dcmjs reads it, in bounded memory (large values left out, see parseHeader):
 * from the bytes kept in memory, else from the temp file. Only for what the fast main-tag
 * reader declines, and for filters.
 */
async function parseFullHeader(writer: TempFileWriter, contents: ByteSource): Promise<Record<string, unknown>> {
  const header = await parseHeader(contents, () => fs.promises.readFile(writer.path));
  return header.attrs;
}

function structureRefusal(problem: StructureProblem, maxElementMb: number): StoreOutcome {
  switch (problem.kind) {
    case 'truncated':
      return { kind: 'refused', reason: 'truncated', detail: `data set ends early (byte ${problem.at})` };
    case 'malformed':
      return { kind: 'refused', reason: 'unparsable', detail: `malformed data set at byte ${problem.at}: ${problem.reason}` };
    case 'too-large': {
      const tag = problem.tag.toString(16).toUpperCase().padStart(8, '0');
      const mb = Math.ceil(problem.length / MB);
      return {
        kind: 'refused',
        reason: 'element-too-large',
        detail: `element (${tag.slice(0, 4)},${tag.slice(4)}) is ${mb} MB, over the ${maxElementMb} MB taken`,
      };
    }
    default:
      return problem satisfies never;
  }
}

/** A header dcmjs could not read is the sender's fault; anything else is ours and goes on up. */
function unparsable(err: unknown): StoreOutcome {
  if (isVigilError(err, 'DICOM_PARSE_FAILED')) return { kind: 'refused', reason: 'unparsable', detail: 'data set could not be parsed' };
  throw err;
}

/** The UIDs the hierarchy is built from must be present and agree with the C-STORE command. */
function checkIdentity(summary: HeaderSummary, incoming: IncomingInstance): StoreOutcome | undefined {
  const required: [string, string | undefined][] = [
    ['SOPInstanceUID', summary.instance.SOPInstanceUID],
    ['SOPClassUID', summary.instance.SOPClassUID],
    ['StudyInstanceUID', summary.study.StudyInstanceUID],
    ['SeriesInstanceUID', summary.series.SeriesInstanceUID],
  ];
  const missing = required.filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0) {
    return { kind: 'refused', reason: 'missing-attribute', detail: `missing ${missing.join(', ')}` };
  }
  // The command's UIDs are checked as sent; the data set's as read, which (like dcmjs) drops
  // characters other than digits and dots, so a bad character shows in the command's copy, a
  // length in the data set's (DCMTK cuts the command's UIDs to 64 characters).
  const uids: [string, string][] = [
    ['SOPInstanceUID', incoming.sopInstanceUid],
    ['SOPClassUID', incoming.sopClassUid],
    ['SOPInstanceUID', summary.instance.SOPInstanceUID!],
    ['StudyInstanceUID', summary.study.StudyInstanceUID!],
    ['SeriesInstanceUID', summary.series.SeriesInstanceUID!],
  ];
  for (const [keyword, uid] of uids) {
    const problem = uidProblem(uid);
    if (problem) return { kind: 'refused', reason: 'invalid-uid', detail: `${keyword} ${problem}` };
  }
  if (summary.instance.SOPInstanceUID !== incoming.sopInstanceUid) {
    return { kind: 'refused', reason: 'uid-mismatch', detail: 'SOPInstanceUID differs from the C-STORE command' };
  }
  if (summary.instance.SOPClassUID !== incoming.sopClassUid) {
    return { kind: 'refused', reason: 'sop-class-mismatch', detail: 'SOPClassUID differs from the C-STORE command' };
  }
  return undefined;
}

/**
 * Why a value is not a UID (PS3.5 9.1), or undefined. Only what would make it file wrongly is
 * checked: characters and length. Components with leading zeros, which some older devices
 * write, are let through, as other nodes do.
 */
function uidProblem(uid: string): string | undefined {
  if (uid === '') return 'is empty';
  if (!/^[0-9.]+$/.test(uid)) return 'has characters other than digits and dots';
  if (uid.length > MAX_UID_LENGTH) return `is longer than ${MAX_UID_LENGTH} characters (${uid.length})`;
  return undefined;
}

function isOutOfResources(err: unknown): boolean {
  const code = systemErrorCode(err);
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO' || code === 'EROFS' || isIndexFull(err);
}
