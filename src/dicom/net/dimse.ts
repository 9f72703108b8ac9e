/**
 * dcmjs-dimse is a UMD bundle: under ESM only its default export is real at run time, although
 * its typings offer named exports. Every module takes the library (and its types) from here.
 */
import dimse from 'dcmjs-dimse';
import type { association, Dataset as DimseDataset, requests, responses } from 'dcmjs-dimse';

// The library's private members are touched in one place only, which this loads for every user
// of the library (client sockets without Nagle, the SCP's own PDU framing and answers).
import './dimse-internals.js';

dimse.log.setLevel('silent');

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
