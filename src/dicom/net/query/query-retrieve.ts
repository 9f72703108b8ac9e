import type { AuditTrail } from '../../../audit/audit-trail.js';
import type { DicomConfig } from '../../../config/sections/dicom.js';
import { tlsClientOptions } from '../../../config/tls-client.js';
import type { Logger } from '../../../log/logger.js';
import type { Db } from '../../../db/database.js';
import type { DicomIndex, InstanceRow } from '../../../store/dicom-index.js';
import type { FileStore } from '../../../store/file-store.js';
import { describeError } from '../../../log/describe-error.js';
import { sendFiles, type DicomPeer } from '../store-scu.js';
import { readIdentifier, type QueryPlan } from './identifier.js';
import { informationModelOf, QR_LEVELS, type InformationModel, type QrLevel } from './information-models.js';
import { matchAnswer } from './match-answer.js';
import { QrStatus, type QrProblem } from './qr-status.js';
import { findMatches } from './find-matches.js';

export interface QrCaller {
  callingAeTitle: string;
  remoteAddress: string | null;
}

export interface FindAnswer {
  /** Identifiers of the matches, each sent as a pending response. */
  matches: Record<string, unknown>[];
  /** The final response. */
  status: number;
  comment?: string;
}

/** The outcome of a C-MOVE or C-GET: the counts of its final response. */
export interface RetrieveAnswer {
  status: number;
  comment?: string;
  completed: number;
  failed: number;
  warnings: number;
}

/** How C-GET sends: C-STOREs on the SCU's own association (the SCP supplies this). */
export type SendOnAssociation = (filePaths: readonly string[]) => Promise<(number | undefined)[]>;

/** Identifier keys that name one resource of each level (PS3.4 C.6.1.1 / C.6.2.1). */
const UNIQUE_KEY: Record<QrLevel, string> = {
  PATIENT: 'PatientID',
  STUDY: 'StudyInstanceUID',
  SERIES: 'SeriesInstanceUID',
  IMAGE: 'SOPInstanceUID',
};

/**
 * The Query/Retrieve SCP's logic (C-FIND, C-MOVE, C-GET), apart from the association: who may
 * ask (dicom.queryRetrieve.allowedAeTitles), what matches (the index's own find, see
 * identifier.ts), how much is answered (dicom.queryRetrieve.maxResults) and where a C-MOVE goes
 * (dicom.modalities with a host and a port). Every request is audited: the calling AE title,
 * the model and level, the resource ids answered or sent, and the outcome; never a key's value.
 */
export class QueryRetrieve {
  constructor(private readonly deps: { config: DicomConfig; db: Db; index: DicomIndex; files: FileStore; audit: AuditTrail; log: Logger }) {}

  /** Ids a plan matches, for DICOMweb's QIDO-RS (which pages with offset and limit). */
  search(plan: QueryPlan, offset: number, limit: number): string[] {
    return findMatches(this.deps.db, this.deps.index, plan, limit, offset);
  }

  /** One match answered in dcmjs's naturalized form (see match-answer.ts). */
  answer(plan: QueryPlan, id: string): Record<string, unknown> {
    return matchAnswer(this.deps.db, this.deps.index, plan, id);
  }

  find(caller: QrCaller, sopClassUid: string, identifier: Record<string, unknown>): FindAnswer {
    const prepared = this.prepare(caller, sopClassUid, identifier, 'C-FIND');
    if ('status' in prepared) return { matches: [], ...prepared };
    const { model, plan } = prepared;
    const { maxResults } = this.deps.config.queryRetrieve;
    const ids = findMatches(this.deps.db, this.deps.index, plan, maxResults + 1);
    const shown = ids.slice(0, maxResults);
    const matches = shown.map((id) => matchAnswer(this.deps.db, this.deps.index, plan, id));
    const cut = ids.length > maxResults;
    const answer: FindAnswer = cut
      ? { matches, status: QrStatus.OutOfResources, comment: `more than ${maxResults} matches: narrow the query` }
      : { matches, status: QrStatus.Success };
    this.audit(caller, 'C-FIND', model, plan.level, shown, answer.status, { matches: String(shown.length) });
    return answer;
  }

  /** C-MOVE: the instances the identifier names go to `moveDestination` on associations of ours. */
  async move(caller: QrCaller, sopClassUid: string, identifier: Record<string, unknown>, moveDestination: string): Promise<RetrieveAnswer> {
    const destination = moveDestination.trim();
    const peer = this.deps.config.modalities.find((m) => m.aeTitle.trim() === destination && m.host && m.port);
    if (!peer) {
      const refused = this.prepare(caller, sopClassUid, identifier, 'C-MOVE');
      if ('status' in refused) return counts(refused);
      const answer = counts({ status: QrStatus.MoveDestinationUnknown, comment: 'move destination is not in dicom.modalities with a host and port' });
      this.audit(caller, 'C-MOVE', refused.model, refused.plan.level, [], answer.status, { destination });
      return answer;
    }
    const target: DicomPeer = { aeTitle: peer.aeTitle, host: peer.host!, port: peer.port! };
    return this.retrieve(caller, sopClassUid, identifier, 'C-MOVE', { destination }, async (paths) => {
      const report = await sendFiles(target, paths, { callingAeTitle: this.deps.config.aeTitle, tls: tlsClientOptions(peer.tls) });
      return report.statuses;
    });
  }

  /** C-GET: the instances the identifier names go back on the caller's association. */
  get(caller: QrCaller, sopClassUid: string, identifier: Record<string, unknown>, send: SendOnAssociation): Promise<RetrieveAnswer> {
    return this.retrieve(caller, sopClassUid, identifier, 'C-GET', {}, send);
  }

  private async retrieve(
    caller: QrCaller,
    sopClassUid: string,
    identifier: Record<string, unknown>,
    service: 'C-MOVE' | 'C-GET',
    params: Record<string, string>,
    send: SendOnAssociation,
  ): Promise<RetrieveAnswer> {
    const prepared = this.prepare(caller, sopClassUid, identifier, service);
    if ('status' in prepared) return counts(prepared);
    const { model, plan } = prepared;
    const key = UNIQUE_KEY[plan.level];
    // A retrieve names what it wants by its unique key; an open-ended one would send the whole store.
    if (!plan.criteria.some((c) => c.keyword === key)) {
      const answer = counts({ status: QrStatus.IdentifierDoesNotMatchSopClass, comment: `a ${plan.level} retrieve needs ${key}` });
      this.audit(caller, service, model, plan.level, [], answer.status, params);
      return answer;
    }
    const ids = findMatches(this.deps.db, this.deps.index, plan, Number.MAX_SAFE_INTEGER);
    const instances: InstanceRow[] = ids.flatMap((id) => this.deps.index.instancesUnder(QR_LEVELS[plan.level], id));
    let statuses: (number | undefined)[];
    try {
      statuses = instances.length === 0 ? [] : await send(instances.map((i) => this.deps.files.absolutePath(i.filePath)));
    } catch (err) {
      this.deps.log.warn('retrieve could not send', { service, callingAeTitle: caller.callingAeTitle, error: describeError(err) });
      const answer: RetrieveAnswer = {
        status: QrStatus.OutOfResourcesSubOperations,
        comment: 'the sub-operations could not be started',
        completed: 0,
        failed: instances.length,
        warnings: 0,
      };
      this.audit(caller, service, model, plan.level, ids, answer.status, { ...params, failed: String(answer.failed) });
      return answer;
    }
    const completed = statuses.filter((s) => s === 0).length;
    const warnings = statuses.filter((s) => s !== undefined && s >= 0xb000 && s <= 0xbfff).length;
    const failed = instances.length - completed - warnings;
    const answer: RetrieveAnswer = {
      status: failed === 0 ? QrStatus.Success : QrStatus.SubOperationsCompleteWithFailures,
      ...(failed > 0 && { comment: `${failed} of ${instances.length} instances were not stored` }),
      completed,
      failed,
      warnings,
    };
    this.audit(caller, service, model, plan.level, ids, answer.status, { ...params, completed: String(completed), failed: String(failed) });
    this.deps.log.info('retrieve done', { service, callingAeTitle: caller.callingAeTitle, ...params, completed, failed, warnings });
    return answer;
  }

  /** Checks who asks and reads the identifier; a refusal is audited here. */
  private prepare(
    caller: QrCaller,
    sopClassUid: string,
    identifier: Record<string, unknown>,
    service: string,
  ): { model: InformationModel; plan: QueryPlan } | QrProblem {
    const model = informationModelOf(sopClassUid);
    if (!model) return { status: QrStatus.SopClassNotSupported, comment: 'not a Query/Retrieve SOP class' };
    const allowed = this.deps.config.queryRetrieve.allowedAeTitles;
    if (!allowed.some((ae) => ae.trim() === caller.callingAeTitle)) {
      const refused = { status: QrStatus.NotAuthorized, comment: 'calling AE title may not query or retrieve (dicom.queryRetrieve.allowedAeTitles)' };
      this.audit(caller, service, model, null, [], refused.status, {});
      this.deps.log.warn('query/retrieve refused: calling AE title not allowed', {
        service,
        callingAeTitle: caller.callingAeTitle,
        remote: caller.remoteAddress,
      });
      return refused;
    }
    const plan = readIdentifier(model, identifier);
    if ('status' in plan) {
      this.audit(caller, service, model, null, [], plan.status, {});
      return plan;
    }
    return { model, plan };
  }

  private audit(
    caller: QrCaller,
    service: string,
    model: InformationModel,
    level: QrLevel | null,
    ids: readonly string[],
    dimseStatus: number,
    params: Record<string, string>,
  ): void {
    this.deps.audit.record({
      tokenName: `dicom:${caller.callingAeTitle}`,
      role: null,
      address: caller.remoteAddress,
      method: service,
      route: model,
      params: { ...(level && { level }), status: `0x${dimseStatus.toString(16).padStart(4, '0')}`, ...params },
      resources: ids,
      status: httpEquivalent(dimseStatus),
    });
  }
}

function counts(problem: QrProblem): RetrieveAnswer {
  return { ...problem, completed: 0, failed: 0, warnings: 0 };
}

/** The audit trail's status column holds HTTP numbers; a DIMSE outcome is kept beside it in params. */
function httpEquivalent(status: number): number {
  if (status === QrStatus.Success) return 200;
  if (status === QrStatus.NotAuthorized) return 403;
  if (status === QrStatus.IdentifierDoesNotMatchSopClass || status === QrStatus.SopClassNotSupported) return 400;
  if (status === QrStatus.MoveDestinationUnknown) return 404;
  if (status === QrStatus.SubOperationsCompleteWithFailures) return 207;
  if (status === QrStatus.OutOfResources) return 413;
  return 502;
}
