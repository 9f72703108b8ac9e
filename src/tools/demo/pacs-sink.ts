import net from 'node:net';
import type { Socket } from 'node:net';
import dimse, { type Association, type CStoreRequest, type CStoreResponse } from '../../dicom/net/dimse.js';
import { StorageSopClass, TransferSyntax } from '../../dicom/data/uids.js';
import { closeServer, listen } from '../../core/listen.js';

const { PresentationContextResult, Status } = dimse.constants;

/** What a PACS gets from Vigil: its AI results (TID 1500 SR, SEG, KOS) and Secondary Captures. */
const RESULT_CLASSES: Record<string, string> = {
  [StorageSopClass.ComprehensiveSr]: 'Comprehensive SR',
  [StorageSopClass.Segmentation]: 'Segmentation',
  [StorageSopClass.KeyObjectSelection]: 'Key Object Selection',
  [StorageSopClass.SecondaryCapture]: 'Secondary Capture',
};
const SYNTAXES: readonly string[] = [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian];

/** One object as the demo PACS received it. */
export interface ReceivedObject {
  kind: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesDescription: string;
  /** The whole data set (naturalized, dcmjs's names): tests write it out for dciodvfy. */
  elements: Record<string, unknown>;
  at: number;
}

/**
 * A stand-in PACS for the demo and the end-to-end test: a C-STORE SCP on dcmjs-dimse that takes
 * the AI result objects a DICOM destination sends (SR, SEG, KOS and SC, in little endian) and keeps them;
 * anything else is refused at association, as a PACS configured for them would.
 */
export class PacsSink {
  readonly received: ReceivedObject[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: { host: string; port?: number; aeTitle?: string; onReceived?: (r: ReceivedObject) => void }) {}

  get aeTitle(): string {
    return this.opts.aeTitle ?? 'DEMO_PACS';
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : (this.opts.port ?? 0);
  }

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    await listen(server, this.opts.port ?? 0, this.opts.host);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server, this.sockets);
  }

  /** What arrived about one study. */
  objectsOf(studyInstanceUid: string): ReceivedObject[] {
    return this.received.filter((r) => r.studyInstanceUid === studyInstanceUid);
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const scp = new SinkScp(socket, (elements, kind) => {
      const record: ReceivedObject = {
        kind,
        sopInstanceUid: text(elements.SOPInstanceUID),
        studyInstanceUid: text(elements.StudyInstanceUID),
        seriesDescription: text(elements.SeriesDescription),
        elements,
        at: Date.now(),
      };
      this.received.push(record);
      this.opts.onReceived?.(record);
    });
    // dcmjs-dimse measures its timeouts from these; its own Server would set them.
    Object.assign(scp, { connected: true, connectedTime: Date.now() });
  }
}

class SinkScp extends dimse.Scp {
  constructor(
    socket: Socket,
    private readonly took: (elements: Record<string, unknown>, kind: string) => void,
  ) {
    super(socket, { connectTimeout: 10_000, associationTimeout: 30_000, pduTimeout: 30_000 });
  }

  override associationRequested(association: Association): void {
    for (const { context } of association.getPresentationContexts()) {
      const syntax = context.getTransferSyntaxUids().find((ts) => SYNTAXES.includes(ts));
      if (!(context.getAbstractSyntaxUid() in RESULT_CLASSES)) context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      else if (!syntax) context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      else context.setResult(PresentationContextResult.Accept, syntax);
    }
    this.sendAssociationAccept();
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
    const dataset = request.getDataset();
    if (dataset) this.took(dataset.getElements(), RESULT_CLASSES[request.getAffectedSopClassUid()] ?? 'object');
    const response = dimse.responses.CStoreResponse.fromRequest(request);
    response.setStatus(dataset ? Status.Success : Status.ProcessingFailure);
    callback(response);
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }
}

/** A header value as text: '' when absent or not a string (a sequence, say), never "[object Object]". */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
