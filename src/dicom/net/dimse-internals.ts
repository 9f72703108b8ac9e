/**
 * Every touch of dcmjs-dimse's private members, in this one file. The library offers no public
 * way to do what these do (frame PDUs ourselves, answer C-STORE/C-ECHO with our own encoder, set
 * TCP_NODELAY on client sockets), so a library update can break receiving silently: each member
 * used here is listed in DIMSE_INTERNALS with the arity we rely on, checked when this module loads
 * (a missing one stops the node at start, naming it) and by test/dicom/dimse-internals.test.ts on
 * the installed version.
 */
import type { Socket } from 'node:net';
import dimse, { type association } from 'dcmjs-dimse';

/** A private member of the library's Network class (the base of Scp and Client) that we use. */
export interface DimseInternal {
  member: string;
  /** The number of declared parameters we call it with or override it with. */
  arity: number;
  how: 'patched' | 'overridden' | 'called';
  why: string;
}

export const DIMSE_INTERNALS: readonly DimseInternal[] = [
  { member: 'sendAssociationRequest', arity: 1, how: 'patched', why: 'client sockets without Nagle' },
  { member: '_sendPDataTF', arity: 3, how: 'overridden', why: 'C-STORE and C-ECHO answers encoded by us (OwnCommandsScp)' },
  { member: '_processPdu', arity: 1, how: 'called', why: 'PDUs framed by us go on to the library (processPdu)' },
  { member: 'sendRequests', arity: 1, how: 'called', why: "C-GET's C-STOREs on the SCP's own association (networkOf)" },
];

/** Fields of a Network instance we read (networkOf); `pending` is named so that no subclass field replaces it. */
export const DIMSE_INSTANCE_FIELDS = ['socket', 'statistics', 'pending'] as const;

/** The prototype the members live on: Network, the class Scp and Client extend. */
const network = Object.getPrototypeOf(dimse.Scp.prototype) as Record<string, unknown>;

/** What is missing or changed among DIMSE_INTERNALS on the loaded library, one line per member (empty: all there). */
export function dimseInternalsProblems(prototype: Record<string, unknown> = network): string[] {
  const problems: string[] = [];
  for (const { member, arity } of DIMSE_INTERNALS) {
    const value = prototype[member];
    if (typeof value !== 'function') problems.push(`dcmjs-dimse: Network.prototype.${member} is gone (${typeof value})`);
    else if (value.length !== arity) problems.push(`dcmjs-dimse: Network.prototype.${member} takes ${value.length} parameters, not ${arity}`);
  }
  return problems;
}

/** What is missing among DIMSE_INSTANCE_FIELDS on a constructed Scp or Client. */
export function dimseInstanceProblems(instance: object): string[] {
  const fields = instance as Record<string, unknown>;
  const problems = DIMSE_INSTANCE_FIELDS.filter((f) => !(f in fields)).map((f) => `dcmjs-dimse: a Network instance has no ${f} field`);
  const statistics = fields.statistics as Record<string, unknown> | undefined;
  for (const m of ['addBytesReceived', 'addBytesSent']) {
    if (typeof statistics?.[m] !== 'function') problems.push(`dcmjs-dimse: a Network instance's statistics has no ${m}()`);
  }
  return problems;
}

const problems = dimseInternalsProblems();
if (problems.length > 0) throw new Error(`${problems.join('; ')} (see src/dicom/net/dimse-internals.ts)`);

/**
 * The associations we open as a client (forwards, DICOM results to a PACS, the demo's MPPS) go
 * without Nagle's algorithm, as the SCP's accepted sockets do: the library writes a request in
 * several pieces and then waits for the answer, and with the peer's delayed ACK each exchange
 * stalled about 40 ms on Linux (one SR to a PACS on loopback: 48 ms, 6 ms without). dcmjs-dimse
 * opens the client socket itself and never exposes it, so the hook is the moment its network
 * layer sends the association request, on the socket it holds. Installed once, when this loads.
 */
const sendAssociationRequest = network.sendAssociationRequest as (...args: unknown[]) => void;
// One declared parameter, as the library's: the check above reads arities, this one included.
network.sendAssociationRequest = function (this: { socket?: { setNoDelay?(noDelay: boolean): unknown } }, request: unknown, ...rest: unknown[]) {
  this.socket?.setNoDelay?.(true);
  sendAssociationRequest.call(this, request, ...rest);
};

/** dcmjs-dimse keeps these as untyped fields and methods of its Network base class. */
export interface NetworkInternals {
  socket: Socket;
  association?: association.Association;
  statistics: { addBytesReceived(bytes: number): void; addBytesSent(bytes: number): void };
  sendRequests(requests: unknown[]): void;
}

/** The untyped side of an Scp (or Client). */
export function networkOf(scp: InstanceType<typeof dimse.Scp>): NetworkInternals {
  return scp as unknown as NetworkInternals;
}

/** Hands a PDU we framed ourselves to the library's own PDU handler. */
export function processPdu(scp: InstanceType<typeof dimse.Scp>, pdu: Buffer): Promise<void> {
  return (scp as unknown as { _processPdu(pdu: Buffer): Promise<void> })._processPdu(pdu);
}

/** A DIMSE message on its way out, as dcmjs-dimse hands it to _sendPDataTF. */
interface OutgoingCommand {
  getDataset(): unknown;
  getCommandDataset(): { getElements(): Record<string, unknown> };
}

const librarySendPDataTF = network._sendPDataTF as (command: OutgoingCommand, presentationContextId: number, maxPduLength: number) => void;

/**
 * An Scp whose answers without a data set (C-STORE and C-ECHO responses) may be sent by the
 * subclass: dcmjs-dimse's one way out for DIMSE messages is _sendPDataTF.
 */
export abstract class OwnCommandsScp extends dimse.Scp {
  /** Sends a command without a data set; false leaves it to the library. */
  protected abstract sendOwnCommand(presentationContextId: number, elements: Record<string, unknown>): boolean;

  _sendPDataTF(command: OutgoingCommand, presentationContextId: number, maxPduLength: number): void {
    if (!command.getDataset() && this.sendOwnCommand(presentationContextId, command.getCommandDataset().getElements())) return;
    librarySendPDataTF.call(this, command, presentationContextId, maxPduLength);
  }
}
