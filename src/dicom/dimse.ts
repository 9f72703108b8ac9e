/**
 * dcmjs-dimse is a UMD bundle: under ESM only its default export is real at run time, although
 * its typings offer named exports. Every module takes the library (and its types) from here.
 */
import dimse from 'dcmjs-dimse';
import type { association, Dataset as DimseDataset, requests, responses } from 'dcmjs-dimse';

dimse.log.setLevel('silent');

/** What the hook below touches on dcmjs-dimse's network layer. */
interface NetworkLayer {
  socket?: { setNoDelay?(noDelay: boolean): unknown };
}

/**
 * The associations we open as a client (forwards, DICOM results to a PACS, the demo's MPPS) go
 * without Nagle's algorithm, as the SCP's accepted sockets do: the library writes a request in
 * several pieces and then waits for the answer, and with the peer's delayed ACK each exchange
 * stalled about 40 ms on Linux (one SR to a PACS on loopback: 48 ms, 6 ms without). dcmjs-dimse
 * opens the client socket itself and never exposes it, so the hook is the moment its network
 * layer sends the association request, on the socket it holds.
 */
const network = Object.getPrototypeOf(dimse.Scp.prototype) as { sendAssociationRequest: (this: NetworkLayer, ...args: unknown[]) => void };
const sendAssociationRequest = network.sendAssociationRequest;
if (typeof sendAssociationRequest !== 'function') throw new Error('dcmjs-dimse: the network layer has no sendAssociationRequest (see src/dicom/dimse.ts)');
network.sendAssociationRequest = function (this: NetworkLayer, ...args: unknown[]) {
  this.socket?.setNoDelay?.(true);
  sendAssociationRequest.apply(this, args);
};

export default dimse;
export type Association = association.Association;
export type Dataset = DimseDataset;
export type PresentationContext = association.PresentationContext;
export type CStoreRequest = requests.CStoreRequest;
export type CEchoRequest = requests.CEchoRequest;
export type CStoreResponse = responses.CStoreResponse;
export type CEchoResponse = responses.CEchoResponse;
export type NCreateRequest = requests.NCreateRequest;
export type NCreateResponse = responses.NCreateResponse;
export type NSetRequest = requests.NSetRequest;
export type NSetResponse = responses.NSetResponse;
export type CFindRequest = requests.CFindRequest;
export type CFindResponse = responses.CFindResponse;
export type CMoveRequest = requests.CMoveRequest;
export type CMoveResponse = responses.CMoveResponse;
export type CGetRequest = requests.CGetRequest;
export type CGetResponse = responses.CGetResponse;
