import type { DicomConfig } from '../../config/sections/dicom.js';
import { peerAddress, type OpenAssociations } from './association-counts.js';

export interface AssociationRequest {
  calledAeTitle: string;
  callingAeTitle: string;
  remoteAddress: string | null;
  /** Associations already open, not counting this one. */
  open: OpenAssociations;
}

/** A-ASSOCIATE-RJ in words (PS3.8 9.3.4); the SCP turns it into the PDU's numbers. */
export type AssociationRejection =
  | { reason: 'called-ae-not-recognized'; detail: string }
  | { reason: 'calling-ae-not-recognized'; detail: string }
  /** Every slot is taken (dicom.maxAssociations). */
  | { reason: 'local-limit-exceeded'; detail: string }
  /** This address already holds dicom.maxAssociationsPerAddress. */
  | { reason: 'address-limit-exceeded'; detail: string }
  /** This calling AE title already holds dicom.maxAssociationsPerAeTitle. */
  | { reason: 'ae-title-limit-exceeded'; detail: string }
  /** Only the slots kept for dicom.modalities are left (dicom.reservedAssociations). */
  | { reason: 'reserved-for-modalities'; detail: string }
  /** The node is stopping: come back later (transient). */
  | { reason: 'shutting-down'; detail: string };

/**
 * Who may open an association: the called AE title must be ours; the calling AE title (and,
 * when configured, its host) must be a known modality unless unknown ones are accepted; and
 * the node must have room for another association, counted three ways so that one peer cannot
 * take every slot: per address, per calling AE title, and in all, where the last
 * `reservedAssociations` slots are kept for the modalities of `dicom.modalities`.
 */
export function evaluateAssociation(config: DicomConfig, rq: AssociationRequest): AssociationRejection | undefined {
  if (rq.calledAeTitle.trim() !== config.aeTitle.trim()) {
    return { reason: 'called-ae-not-recognized', detail: 'called AE title is not this node' };
  }
  const calling = rq.callingAeTitle.trim();
  const known = config.modalities.filter((m) => m.aeTitle.trim() === calling);
  if (known.length === 0 && !config.acceptUnknownModalities) {
    return { reason: 'calling-ae-not-recognized', detail: 'calling AE title is not a known modality' };
  }
  if (known.length > 0 && !known.some((m) => m.host === undefined || sameHost(m.host, rq.remoteAddress))) {
    return { reason: 'calling-ae-not-recognized', detail: 'calling AE title connected from an unexpected host' };
  }
  const { open } = rq;
  if (open.fromAddress >= config.maxAssociationsPerAddress) {
    return { reason: 'address-limit-exceeded', detail: `already ${open.fromAddress} associations from this address` };
  }
  if (open.withAeTitle >= config.maxAssociationsPerAeTitle) {
    return { reason: 'ae-title-limit-exceeded', detail: `already ${open.withAeTitle} associations with this calling AE title` };
  }
  if (open.total >= config.maxAssociations) {
    return { reason: 'local-limit-exceeded', detail: `already ${open.total} associations open` };
  }
  if (known.length === 0 && open.total >= config.maxAssociations - reservedSlots(config)) {
    return { reason: 'reserved-for-modalities', detail: `already ${open.total} associations open; the rest are kept for known modalities` };
  }
  return undefined;
}

/** Slots kept for dicom.modalities: none when no modality is listed (they would never be used). */
export function reservedSlots(config: DicomConfig): number {
  return config.modalities.length > 0 ? config.reservedAssociations : 0;
}

/** Compares a configured host with a peer address, tolerating IPv4-mapped IPv6 addresses. */
function sameHost(configured: string, remote: string | null): boolean {
  if (!remote) return false;
  const want = peerAddress(configured);
  const got = peerAddress(remote);
  return want === got || (want === 'localhost' && (got === '127.0.0.1' || got === '::1'));
}
