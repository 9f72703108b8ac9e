import type tls from 'node:tls';
import dimse, { type CEchoRequest, type CStoreRequest, type Dataset } from './dimse.js';
import { VigilError } from '../../core/errors.js';
import { TransferSyntax } from '../data/uids.js';

/** Another DICOM node, as an SCP we send to. */
export interface DicomPeer {
  host: string;
  port: number;
  aeTitle: string;
}

export interface SendOptions {
  callingAeTitle: string;
  /** Instances per association: each association holds its data sets in memory until it ends. */
  batchSize?: number;
  timeoutMs?: number;
  /** DICOM over TLS (PS3.15 B.1): the peer's CA, our certificate and key; absent means plain TCP. */
  tls?: tls.ConnectionOptions | undefined;
}

/** One status per file, in order; undefined when the peer never answered for that file. */
export interface SendReport {
  statuses: (number | undefined)[];
  sent: number;
  failed: number;
}

/** Success, and the C-STORE warnings that still mean "stored" (PS3.4 B.2.3). */
const STORED = new Set([0x0000, 0xb000, 0xb006, 0xb007]);

export function isStoredStatus(status: number | undefined): boolean {
  return status !== undefined && STORED.has(status);
}

/** What can be sent: a Part 10 file's path, or a data set built in memory. */
export type Sendable = string | Dataset;

/**
 * C-STORE SCU: sends Part 10 files as stored, in their own transfer syntax (and data sets built
 * in memory in theirs). dcmjs-dimse reads each file when its turn comes. A request it cannot
 * send (no accepted presentation context, or a transcoding it cannot do) gets no response and
 * counts as failed, never as sent. An association that cannot be made at all throws
 * DICOM_PEER_UNAVAILABLE.
 */
export async function sendFiles(peer: DicomPeer, files: readonly Sendable[], opts: SendOptions): Promise<SendReport> {
  const batchSize = opts.batchSize ?? 50;
  const statuses: (number | undefined)[] = [];
  for (let start = 0; start < files.length; start += batchSize) {
    statuses.push(...(await sendBatch(peer, files.slice(start, start + batchSize), opts)));
  }
  const sent = statuses.filter(isStoredStatus).length;
  return { statuses, sent, failed: statuses.length - sent };
}

function sendBatch(peer: DicomPeer, files: readonly Sendable[], opts: SendOptions): Promise<(number | undefined)[]> {
  const client = new dimse.Client();
  const ownContexts = new Set<string>();
  const requests = files.map((file) => {
    const request = new dimse.requests.CStoreRequest(file);
    // dcmjs-dimse proposes implicit then explicit little endian for every SOP class, and a
    // context of its own only for compressed syntaxes; a peer that takes the first proposal
    // would get an explicit VR file transcoded to implicit. A context with the file's own
    // syntax alone lets it go as stored (the library prefers a context in the data set's syntax).
    const sopClass = request.getAffectedSopClassUid();
    if (request.getDataset()?.getTransferSyntaxUid() === TransferSyntax.ExplicitVRLittleEndian && !ownContexts.has(sopClass)) {
      ownContexts.add(sopClass);
      client.addAdditionalPresentationContext(new dimse.association.PresentationContext(0, sopClass, TransferSyntax.ExplicitVRLittleEndian), true);
    }
    return request;
  });
  return runAssociation(client, peer, requests, opts);
}

/**
 * C-ECHO SCU: resolves when the peer took an association from us under these AE titles and
 * answered the verification service with success; DICOM_PEER_UNAVAILABLE when no association
 * could be made, DICOM_ECHO_FAILED when the answer was anything else.
 */
export async function echo(peer: DicomPeer, opts: Omit<SendOptions, 'batchSize'>): Promise<void> {
  const [status] = await runAssociation(new dimse.Client(), peer, [new dimse.requests.CEchoRequest()], opts);
  if (status === 0) return;
  const answer = status === undefined ? 'nothing' : `status 0x${status.toString(16).padStart(4, '0')}`;
  throw new VigilError('DICOM_ECHO_FAILED', `${peer.aeTitle} at ${peer.host}:${peer.port} answered the C-ECHO with ${answer}`);
}

/** One association for these requests; resolves with each one's response status, in order. */
function runAssociation(
  client: InstanceType<typeof dimse.Client>,
  peer: DicomPeer,
  requests: readonly (CStoreRequest | CEchoRequest)[],
  opts: Omit<SendOptions, 'batchSize'>,
): Promise<(number | undefined)[]> {
  const statuses: (number | undefined)[] = requests.map(() => undefined);
  requests.forEach((request, i) => {
    request.on('response', (response: { getStatus(): number }) => {
      statuses[i] = response.getStatus();
    });
    client.addRequest(request);
  });
  return new Promise((resolve, reject) => {
    let rejected = false;
    let failure: Error | undefined;
    const unavailable = (reason: string, cause?: unknown) =>
      new VigilError('DICOM_PEER_UNAVAILABLE', `${peer.aeTitle} at ${peer.host}:${peer.port}: ${reason}`, {
        cause,
        extra: { reason },
      });
    client.on('associationRejected', () => {
      rejected = true;
    });
    client.on('networkError', (err: Error) => {
      failure = err;
    });
    client.on('closed', () => {
      const answered = statuses.some((s) => s !== undefined);
      if (rejected) reject(unavailable('association rejected'));
      else if (failure && !answered) reject(unavailable('network error', failure));
      else resolve(statuses);
    });
    const timeout = opts.timeoutMs ?? 30_000;
    try {
      client.send(peer.host, peer.port, opts.callingAeTitle, peer.aeTitle, {
        connectTimeout: timeout,
        associationTimeout: timeout,
        pduTimeout: timeout,
        ...(opts.tls && { securityOptions: securityOptionsOf(opts.tls) }),
      });
    } catch (err) {
      reject(unavailable('could not start the association', err));
    }
  });
}

/** dcmjs-dimse's names for TLS client options (it passes these on to tls.connect, and only these). */
function securityOptionsOf(options: tls.ConnectionOptions): Record<string, unknown> {
  const { ca, cert, key, rejectUnauthorized } = options;
  return { ca, cert, key, rejectUnauthorized: rejectUnauthorized ?? true, minVersion: 'TLSv1.2' };
}
