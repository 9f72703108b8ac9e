import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import dimse, {
  type Association,
  type CFindRequest,
  type CFindResponse,
  type CGetRequest,
  type CGetResponse,
  type CMoveRequest,
  type CMoveResponse,
  type NCreateRequest,
  type NCreateResponse,
  type NSetRequest,
  type NSetResponse,
} from './dimse.js';
import type { DicomConfig } from '../../config/sections/dicom.js';
import type { Logger } from '../../log/logger.js';
import type { IncomingInstance, InstanceStore, StoreOutcome } from '../../store/instance-store.js';
import type { TempFileWriter } from '../../store/temp-file-writer.js';
import { evaluateAssociation, type AssociationRejection } from './association-policy.js';
import type { AssociationCounts } from './association-counts.js';
import { AssociationTimer, type TimerPhase } from './association-timer.js';
import { choosePresentationContext } from './presentation-contexts.js';
import { DimseStatus, storeStatus } from './store-status.js';
import type { MppsAnswer, MppsHandler, MppsRequest } from './mpps-handler.js';
import { MPPS_SOP_CLASS } from '../data/uids.js';
import { networkOf, OwnCommandsScp, processPdu, type NetworkInternals } from './dimse-internals.js';
import { PduFramer } from './pdu-framer.js';
import { CommandField, CommandSetError, encodeCommand, type CommandElements } from './command-set.js';
import { ResponseEncoder, type ResponseAnswer } from './response-encoder.js';
import { DimseRouter, RouteError, type DatasetSink } from './dimse-router.js';
import { commandPdu } from './pdata-tf.js';
import { describeError } from '../../log/describe-error.js';
import { QR_SOP_CLASSES } from './query/information-models.js';
import type { QrCaller, QueryRetrieve, RetrieveAnswer } from './query/query-retrieve.js';
import { QrStatus } from './query/qr-status.js';

/**
 * The longest PDU taken in. P-DATA-TF PDUs respect the limit we announce (4 MiB at most); this
 * bound only keeps a sender that announces a huge length from making us buffer it.
 */
const MAX_PDU_BYTES = 16 * 1024 * 1024;

/** C-STORE and C-ECHO responses, encoded once per shape and shared by every association. */
const RESPONSES = new ResponseEncoder();

const { PresentationContextResult, RejectResult, RejectSource, RejectReason, AbortSource, AbortReason } = dimse.constants;

/** The A-ABORT reason (PS3.8 9.3.8) for each way an association's bytes can go wrong. */
const ABORT_REASONS = {
  'unknown-type': AbortReason.UnrecognizedPdu,
  'too-long': AbortReason.InvalidPduParameter,
  'bad-pdata': AbortReason.InvalidPduParameter,
  unexpected: AbortReason.UnexpectedPdu,
  internal: AbortReason.NotSpecified,
} as const;

/** What one association needs from the node; shared by every association. */
export interface ScpContext {
  config: DicomConfig;
  store: InstanceStore;
  log: Logger;
  /** Open associations, for the limits; shared by every connection. */
  associations: AssociationCounts;
  observer?: ScpObserver;
  /** Answers MPPS N-CREATE / N-SET; without it the MPPS SOP class is not offered. */
  mpps?: MppsHandler;
  /** Answers C-FIND / C-MOVE / C-GET; without it the Query/Retrieve SOP classes are not offered. */
  queryRetrieve?: QueryRetrieve;
}

/** Why the node closed a connection on its own: a timer's phase ran out, or the waiting limit. */
export type ConnectionCut = TimerPhase | 'waiting-limit';

/** Hooks for metrics; every method is optional. */
export interface ScpObserver {
  associationAccepted?(callingAeTitle: string): void;
  associationRejected?(reason: AssociationRejection['reason']): void;
  /** The node closed a connection for silence (the timer's phase) or as one too many waiting from its address. */
  connectionCut?(reason: ConnectionCut): void;
  instanceCompleted?(outcome: StoreOutcome, bytes: number, durationMs: number): void;
}

/** A C-STORE whose data set is arriving or being stored. */
interface PendingStore {
  writer: TempFileWriter;
  incoming: IncomingInstance;
  startedAt: number;
}

/**
 * One association. A thin subclass: policy decides accept or reject, every C-STORE streams to a
 * temp file and is completed by the InstanceStore, which always answers with an outcome that
 * becomes a DIMSE status. Network trouble is an event here, never an exception.
 */
export class VigilScp extends OwnCommandsScp {
  private accepted = false;
  /** Frees this association's slot in the counts; set while accepted. */
  private freeSlot: (() => void) | undefined;
  private readonly timer: AssociationTimer;
  /**
   * C-STOREs whose data set is still arriving. Not named `pending`: dcmjs-dimse's network keeps
   * its own `pending` array (requests awaiting a response, used by C-GET's C-STOREs), which a
   * field of that name would replace.
   */
  private readonly arriving = new Set<PendingStore>();
  /** Data sets fully received and being stored, or cut off and being removed: a stop waits for both. */
  private readonly storing = new Set<Promise<unknown>>();
  /** The node is stopping: no new association here, and the connection closes once idle. */
  private draining = false;

  constructor(
    socket: Socket,
    private readonly ctx: ScpContext,
  ) {
    // Only the socket's idle backstop is the library's; the association's timers are ours.
    super(socket, { connectTimeout: ctx.config.timeouts.connectMs });
    const { associationMs, firstMessageMs, pduMs } = ctx.config.timeouts;
    this.timer = new AssociationTimer(
      { 'awaiting-request': associationMs, 'awaiting-first-message': firstMessageMs, idle: pduMs, closing: associationMs },
      (phase) => this.timedOut(phase),
      // An answer of ours is due, or we stopped reading while the disk catches up: we are the slow one.
      () => this.storing.size > 0 || socket.isPaused(),
    );
    this.on('networkError', (err: Error) => {
      ctx.log.warn('association network error', { remote: socket.remoteAddress, error: describeError(err) });
      socket.destroy();
    });
    this.on('close', () => {
      this.timer.stop();
      this.release();
    });
    this.framePdus(socket);
  }

  /**
   * Takes over PDU framing from dcmjs-dimse (see PduFramer for why). Once the association is
   * accepted, the PDVs of P-DATA-TF go piece by piece to the DIMSE router (C-STORE and C-ECHO
   * are answered here, see DimseRouter); every other PDU, and every message the router leaves
   * alone, goes to the library's own PDU handler, as its accumulator did.
   */
  private framePdus(socket: Socket): void {
    const framer = new PduFramer(MAX_PDU_BYTES);
    const network = this.peer;
    const router = new DimseRouter({
      command: (contextId, elements, hasDataset) => this.routeCommand(contextId, elements, hasDataset),
      forward: (pdu) => void processPdu(this, pdu),
    });
    /** Set once the association is aborted for bytes that are not DICOM: what follows is dropped. */
    let aborted = false;
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => {
      if (aborted) return;
      network.statistics.addBytesReceived(chunk.length);
      for (const framed of framer.push(chunk)) {
        if ('error' in framed) {
          aborted = true;
          this.abortUnreadable(socket, framed.kind, framed.error);
          return;
        }
        this.timer.heard();
        if ('pdu' in framed) {
          void processPdu(this, framed.pdu);
          continue;
        }
        if (!this.accepted) {
          // P-DATA before the association is accepted (PS3.8 9.2, state table: AA-1).
          aborted = true;
          this.abortUnreadable(socket, 'unexpected', 'P-DATA-TF outside an accepted association');
          return;
        }
        try {
          router.push(framed.piece);
        } catch (err) {
          // A fault of ours must cost this association only, never the node and the others.
          aborted = true;
          const protocol = err instanceof CommandSetError || err instanceof RouteError;
          // Our own protocol errors say which bytes were wrong; anything else is described, not quoted.
          this.abortUnreadable(socket, protocol ? 'bad-pdata' : 'internal', protocol ? err.message : describeError(err));
          return;
        }
      }
    });
  }

  /** Answers C-ECHO, opens a C-STORE's data set; anything else is dcmjs-dimse's. */
  private routeCommand(contextId: number, command: CommandElements, hasDataset: boolean): DatasetSink | 'answered' | 'library' {
    switch (command.CommandField) {
      case CommandField.CEchoRequest:
        if (hasDataset) return 'library';
        this.respond(contextId, command, CommandField.CEchoResponse, { status: DimseStatus.Success });
        return 'answered';
      case CommandField.CStoreRequest:
        if (!hasDataset) {
          this.respond(contextId, command, CommandField.CStoreResponse, {
            status: DimseStatus.CannotUnderstand,
            comment: 'C-STORE without a data set',
          });
          return 'answered';
        }
        return this.receiveStore(contextId, command);
      default:
        return 'library';
    }
  }

  /** Streams a C-STORE's data set into a temp file; its end stores it and answers. */
  private receiveStore(contextId: number, command: CommandElements): DatasetSink {
    const context = this.peer.association
      ?.getPresentationContexts()
      .map((proposed) => proposed.context)
      .find((c) => c.getPresentationContextId() === contextId && c.getResult() === PresentationContextResult.Accept);
    if (!context) throw new RouteError(`C-STORE on presentation context ${contextId}, which was not accepted`);
    const incoming: IncomingInstance = {
      sopClassUid: String(command.AffectedSOPClassUID ?? ''),
      sopInstanceUid: String(command.AffectedSOPInstanceUID ?? ''),
      transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
      callingAeTitle: this.peer.association?.getCallingAeTitle().trim() ?? '',
      remoteAddress: this.peer.socket.remoteAddress ?? null,
    };
    const pending: PendingStore = { writer: this.ctx.store.createWriter(incoming), incoming, startedAt: performance.now() };
    this.arriving.add(pending);
    const socket = this.peer.socket;
    return {
      write: (fragment) => {
        // The disk is behind the network: stop reading until the writer has caught up.
        if (!pending.writer.write(fragment) && !socket.isPaused()) {
          socket.pause();
          pending.writer.once('drain', () => socket.resume());
        }
      },
      end: () => {
        pending.writer.end();
        this.arriving.delete(pending);
        const storing = this.completeStore(pending).then(({ status, comment }) => {
          this.storing.delete(storing);
          this.respond(contextId, command, CommandField.CStoreResponse, { status, comment });
          this.closeIfIdle();
        });
        this.storing.add(storing);
      },
    };
  }

  /** Sends the response to a command, encoded once per shape (see response-encoder.ts). */
  private respond(contextId: number, request: CommandElements, field: number, answer: ResponseAnswer): void {
    if (this.peer.socket.destroyed) return;
    this.sendPdu(RESPONSES.pdu(contextId, field, request, answer));
  }

  /**
   * A byte stream that is not PDUs, P-DATA that is not DIMSE messages, P-DATA before the
   * association is accepted, or a fault of ours while reading it: the provider answers with an
   * A-ABORT (PS3.8 9.3.8, source service provider, the reason from ABORT_REASONS) and closes the
   * connection.
   */
  private abortUnreadable(socket: Socket, kind: 'unknown-type' | 'too-long' | 'bad-pdata' | 'unexpected' | 'internal', detail: string): void {
    if (kind === 'internal') this.ctx.log.error('association aborted: internal error', { remote: socket.remoteAddress, error: detail });
    else this.ctx.log.warn('association aborted: unreadable PDU', { remote: socket.remoteAddress, detail });
    const reason = ABORT_REASONS[kind];
    const abort = Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, AbortSource.ServiceProvider, reason]);
    if (socket.destroyed) return;
    socket.write(abort, () => socket.destroy());
  }

  override associationRequested(association: Association): void {
    const socket = this.peer.socket;
    // A guard: a drain closes a connection that has no association at once, so a request read
    // after it began is rare; it must never be accepted.
    const rejection: AssociationRejection | undefined = this.draining
      ? { reason: 'shutting-down', detail: 'the node is stopping' }
      : evaluateAssociation(this.ctx.config, {
          calledAeTitle: association.getCalledAeTitle(),
          callingAeTitle: association.getCallingAeTitle(),
          remoteAddress: socket.remoteAddress ?? null,
          open: this.ctx.associations.of(socket.remoteAddress, association.getCallingAeTitle()),
        });
    if (rejection) {
      this.ctx.log.warn('association rejected', {
        reason: rejection.reason,
        detail: rejection.detail,
        callingAeTitle: association.getCallingAeTitle(),
        remote: socket.remoteAddress,
      });
      this.ctx.observer?.associationRejected?.(rejection.reason);
      this.sendAssociationReject(...rejectPdu(rejection));
      this.timer.enter('closing');
      this.closeIfIdle();
      return;
    }
    const extraServices = new Set([...(this.ctx.mpps ? [MPPS_SOP_CLASS] : []), ...(this.ctx.queryRetrieve ? QR_SOP_CLASSES : [])]);
    for (const { context } of association.getPresentationContexts()) {
      const decision = choosePresentationContext(this.ctx.config, context.getAbstractSyntaxUid(), context.getTransferSyntaxUids(), extraServices);
      if (decision.accept) context.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
      else if (decision.reason === 'abstract-syntax-not-supported') context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
    this.accepted = true;
    this.freeSlot = this.ctx.associations.open(socket.remoteAddress, association.getCallingAeTitle());
    this.timer.enter('awaiting-first-message');
    this.ctx.observer?.associationAccepted?.(association.getCallingAeTitle());
    this.ctx.log.info('association accepted', { callingAeTitle: association.getCallingAeTitle(), remote: socket.remoteAddress });
    this.sendAssociationAccept();
  }

  /**
   * Announces our own receive limit. dcmjs-dimse would announce the smaller of ours and the
   * peer's, but each side states what it can receive (PS3.8 D.1): storescu's 16 KB would
   * otherwise cut every 512² slice into 32 PDUs. Our responses still respect the peer's limit.
   */
  override sendAssociationAccept(): void {
    const association = this.peer.association!;
    const theirs = association.getMaxPduLength();
    association.setMaxPduLength(this.ctx.config.maxPduLength);
    super.sendAssociationAccept();
    association.setMaxPduLength(theirs);
  }

  /**
   * A response without a data set (C-STORE and C-ECHO answers) is encoded here (see
   * command-set.ts); anything else goes the library's way (OwnCommandsScp).
   */
  protected sendOwnCommand(presentationContextId: number, elements: Record<string, unknown>): boolean {
    const encoded = encodeCommand(elements);
    if (!encoded) return false;
    this.sendCommand(presentationContextId, encoded);
    return true;
  }

  /** An encoded command without a data set, in one PDU. */
  private sendCommand(contextId: number, encoded: Buffer): void {
    this.sendPdu(commandPdu(contextId, encoded));
  }

  /** A P-DATA-TF PDU answering a command. */
  private sendPdu(pdu: Buffer): void {
    this.peer.socket.write(pdu);
    this.peer.statistics.addBytesSent(pdu.length);
    this.timer.answered();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
    this.timer.enter('closing');
  }

  /**
   * A phase of AssociationTimer ran out. Before an association, or after ours was refused or
   * released, the connection is closed; an association left silent is aborted, so that its slot
   * is free for the scanners.
   */
  private timedOut(phase: TimerPhase): void {
    const socket = this.peer.socket;
    if (socket.destroyed) return;
    this.ctx.observer?.connectionCut?.(phase);
    if (phase === 'awaiting-request' || phase === 'closing' || !this.accepted) {
      this.ctx.log.info('connection closed: timed out', { phase, remote: socket.remoteAddress });
      socket.destroy();
      return;
    }
    this.ctx.log.warn('association aborted: silent', {
      phase,
      callingAeTitle: this.peer.association?.getCallingAeTitle().trim(),
      remote: socket.remoteAddress,
    });
    this.sendAbort(AbortSource.ServiceProvider, AbortReason.NotSpecified);
    socket.end(() => socket.destroy());
  }

  override nCreateRequest(request: NCreateRequest, callback: (response: NCreateResponse) => void): void {
    const response = dimse.responses.NCreateResponse.fromRequest(request);
    // The SCU may leave the step's UID to us (PS3.4 F.7.2.1.1).
    const uid = request.getAffectedSopInstanceUid() || newUid();
    response.setAffectedSopInstanceUid(uid);
    const answer = this.answerMpps(request, uid, (mpps, req) => mpps.create(req));
    response.setStatus(answer.status);
    if (answer.comment) response.setErrorComment(answer.comment);
    callback(response);
  }

  override nSetRequest(request: NSetRequest, callback: (response: NSetResponse) => void): void {
    const response = dimse.responses.NSetResponse.fromRequest(request);
    const answer = this.answerMpps(request, request.getRequestedSopInstanceUid(), (mpps, req) => mpps.set(req));
    response.setStatus(answer.status);
    if (answer.comment) response.setErrorComment(answer.comment);
    callback(response);
  }

  /** C-FIND: a pending response per match (at most dicom.queryRetrieve.maxResults), then the final status. */
  override cFindRequest(request: CFindRequest, callback: (responses: CFindResponse[]) => void): void {
    const answer = (status: number, comment?: string, identifier?: Record<string, unknown>): CFindResponse => {
      const response = dimse.responses.CFindResponse.fromRequest(request);
      response.setStatus(status);
      if (comment) response.setErrorComment(comment);
      if (identifier) response.setDataset(new dimse.Dataset(identifier));
      return response;
    };
    const qr = this.ctx.queryRetrieve;
    if (!qr) return callback([answer(QrStatus.SopClassNotSupported)]);
    try {
      const found = qr.find(this.caller(), request.getAffectedSopClassUid(), request.getDataset()?.getElements() ?? {});
      callback([...found.matches.map((m) => answer(QrStatus.Pending, undefined, m)), answer(found.status, found.comment)]);
    } catch (err) {
      this.ctx.log.error('c-find failed', { error: describeError(err) });
      callback([answer(QrStatus.UnableToProcess, 'internal error')]);
    }
  }

  /** C-MOVE: the matches go to the move destination (a modality of dicom.modalities) on associations of ours. */
  override cMoveRequest(request: CMoveRequest, callback: (responses: CMoveResponse[]) => void): void {
    const destination = String(request.getCommandDataset().getElement('MoveDestination') ?? '');
    this.retrieve(
      (qr, elements) => qr.move(this.caller(), request.getAffectedSopClassUid(), elements, destination),
      request.getDataset()?.getElements() ?? {},
      (answer) => callback([fillRetrieveResponse(dimse.responses.CMoveResponse.fromRequest(request), answer)]),
    );
  }

  /** C-GET: the matches come back as C-STOREs on this association, on the storage contexts the SCU proposed. */
  override cGetRequest(request: CGetRequest, callback: (responses: CGetResponse[]) => void): void {
    this.retrieve(
      (qr, elements) => qr.get(this.caller(), request.getAffectedSopClassUid(), elements, (paths) => this.storeOnThisAssociation(paths)),
      request.getDataset()?.getElements() ?? {},
      (answer) => callback([fillRetrieveResponse(dimse.responses.CGetResponse.fromRequest(request), answer)]),
    );
  }

  /** Runs a retrieve as work under way (a stop waits for it, the idle timer knows an answer is due). */
  private retrieve(
    run: (qr: QueryRetrieve, elements: Record<string, unknown>) => Promise<RetrieveAnswer>,
    elements: Record<string, unknown>,
    reply: (answer: RetrieveAnswer) => void,
  ): void {
    const qr = this.ctx.queryRetrieve;
    if (!qr) return reply({ status: QrStatus.SopClassNotSupported, completed: 0, failed: 0, warnings: 0 });
    const working = Promise.resolve()
      .then(() => run(qr, elements))
      .catch((err: unknown): RetrieveAnswer => {
        this.ctx.log.error('retrieve failed', { error: describeError(err) });
        return { status: QrStatus.UnableToProcess, comment: 'internal error', completed: 0, failed: 0, warnings: 0 };
      })
      .then((answer) => {
        this.storing.delete(working);
        if (!this.peer.socket.destroyed) reply(answer);
        this.closeIfIdle();
      });
    this.storing.add(working);
  }

  /** C-STORE sub-operations of a C-GET, one at a time; each file's status, undefined when none came. */
  private storeOnThisAssociation(paths: readonly string[]): Promise<(number | undefined)[]> {
    return new Promise((resolve) => {
      const statuses: (number | undefined)[] = paths.map(() => undefined);
      const finish = (): void => {
        this.off('done', finish);
        this.peer.socket.off('close', finish);
        resolve(statuses);
      };
      // dcmjs-dimse's network emits 'done' once its request queue is empty (a request without an
      // accepted context is skipped and gets no status); a closed connection ends it too.
      this.on('done', finish);
      this.peer.socket.once('close', finish);
      const requests = paths.map((file, i) => {
        const store = new dimse.requests.CStoreRequest(file);
        store.on('response', (response: { getStatus(): number }) => {
          statuses[i] = response.getStatus();
        });
        return store;
      });
      this.peer.sendRequests(requests);
    });
  }

  private caller(): QrCaller {
    return { callingAeTitle: this.peer.association?.getCallingAeTitle().trim() ?? '', remoteAddress: this.peer.socket.remoteAddress ?? null };
  }

  /**
   * At a stop: a new association on this connection is refused; C-STOREs under way are stored
   * and answered; then the association is aborted (the SCU learns at once that nothing more is
   * taken) and the connection closed. After `boundMs` the connection is cut: an instance still
   * arriving is dropped unacknowledged. Resolves once the connection is closed and no store is
   * still landing, so the index can be closed behind it.
   */
  async drain(boundMs: number): Promise<void> {
    this.draining = true;
    const socket = this.peer.socket;
    const closed = socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const cut = setTimeout(() => socket.destroy(), boundMs);
    this.closeIfIdle();
    await closed;
    clearTimeout(cut);
    await Promise.allSettled([...this.storing]);
  }

  /** Once draining and nothing is under way: abort the association, close the connection. */
  private closeIfIdle(): void {
    if (!this.draining || this.arriving.size > 0 || this.storing.size > 0) return;
    const socket = this.peer.socket;
    if (socket.destroyed) return;
    if (this.accepted) this.sendAbort(AbortSource.ServiceUser, AbortReason.NotSpecified);
    // Destroyed once our last PDU is handed to the kernel: a peer that keeps the connection
    // open must not hold the stop up.
    socket.end(() => socket.destroy());
  }

  /**
   * The SCU aborted (A-ABORT received): the provider closes the transport connection at once
   * (PS3.8 9.2, state table AA-3). storescu, aborting on a non-DICOM file in its folder, waits
   * for that close: 30 s when the connection was kept.
   */
  override abort(): void {
    this.release();
    this.peer.socket.destroy();
  }

  private async completeStore(pending: PendingStore): Promise<{ status: number; comment?: string }> {
    const outcome = await this.ctx.store.complete(pending.writer, pending.incoming);
    this.ctx.observer?.instanceCompleted?.(outcome, pending.writer.bytesWritten, performance.now() - pending.startedAt);
    if (outcome.kind === 'refused') {
      this.ctx.log.warn('instance refused', { reason: outcome.reason, detail: outcome.detail });
    } else {
      this.ctx.log.debug('instance stored', { instanceId: outcome.instanceId, outcome: outcome.kind });
    }
    return storeStatus(outcome);
  }

  private answerMpps(request: NCreateRequest | NSetRequest, sopInstanceUid: string, call: (mpps: MppsHandler, request: MppsRequest) => MppsAnswer): MppsAnswer {
    const sopClass = request.getAffectedSopClassUid() || request.getRequestedSopClassUid();
    if (!this.ctx.mpps || sopClass !== MPPS_SOP_CLASS) return { status: DimseStatus.SopClassNotSupported };
    try {
      return call(this.ctx.mpps, {
        sopInstanceUid,
        attrs: request.getDataset()?.getElements() ?? {},
        callingAeTitle: this.peer.association?.getCallingAeTitle().trim() ?? '',
      });
    } catch (err) {
      this.ctx.log.error('mpps request failed', { error: describeError(err) });
      return { status: DimseStatus.ProcessingFailure, comment: 'internal error' };
    }
  }

  /** dcmjs-dimse keeps these as untyped fields and methods of its Network base class. */
  private get peer(): NetworkInternals {
    return networkOf(this);
  }

  /** The association ended: drop data sets that never completed, free the slot. */
  private release(): void {
    for (const { writer } of this.arriving) {
      const removing = this.ctx.store
        .abandon(writer)
        .catch((err: unknown) => this.ctx.log.warn('could not remove the temp file of a cut-off instance', { error: describeError(err) }))
        .finally(() => this.storing.delete(removing));
      this.storing.add(removing);
    }
    this.arriving.clear();
    this.accepted = false;
    this.freeSlot?.();
    this.freeSlot = undefined;
  }
}

/** The counts and status of a C-MOVE or C-GET final response. */
function fillRetrieveResponse<R extends CMoveResponse | CGetResponse>(response: R, answer: RetrieveAnswer): R {
  response.setStatus(answer.status);
  if (answer.comment) response.setErrorComment(answer.comment);
  response.setRemaining(0);
  response.setCompleted(answer.completed);
  response.setFailures(answer.failed);
  response.setWarnings(answer.warnings);
  return response;
}

/** A UID under the 2.25 arc (PS3.5 B.2), for steps whose SCU left the UID to us. */
function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

function rejectPdu(rejection: AssociationRejection): [number, number, number] {
  switch (rejection.reason) {
    case 'called-ae-not-recognized':
      return [RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized];
    case 'calling-ae-not-recognized':
      return [RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized];
    // Every limit is the SCU's cue to come back later, whichever was reached.
    case 'local-limit-exceeded':
    case 'address-limit-exceeded':
    case 'ae-title-limit-exceeded':
    case 'reserved-for-modalities':
      return [RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded];
    case 'shutting-down':
      return [RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.TemporaryCongestion];
    default:
      return rejection satisfies never;
  }
}
