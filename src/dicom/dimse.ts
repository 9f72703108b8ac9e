/**
 * dcmjs-dimse is a UMD bundle: under ESM only its default export is real at run time, although
 * its typings offer named exports. Every module takes the library (and its types) from here.
 */
import dimse from 'dcmjs-dimse';
import type { association, Dataset as DimseDataset, requests, responses } from 'dcmjs-dimse';

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
