import type { DicomConfig } from '../config/sections/dicom.js';

export interface AssociationRequest {
  calledAeTitle: string;
  callingAeTitle: string;
  remoteAddress: string | null;
  /** Associations already open, not counting this one. */
  activeAssociations: number;
}

/** A-ASSOCIATE-RJ in words (PS3.8 9.3.4); the SCP turns it into the PDU's numbers. */
export type AssociationRejection =
  | { reason: 'called-ae-not-recognized'; detail: string }
  | { reason: 'calling-ae-not-recognized'; detail: string }
  | { reason: 'local-limit-exceeded'; detail: string }
  /** The node is stopping: come back later (transient). */
  | { reason: 'shutting-down'; detail: string };

/**
 * Who may open an association: the called AE title must be ours; the calling AE title (and,
 * when configured, its host) must be a known modality unless unknown ones are accepted; and
 * the node must have room for another association.
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
  if (rq.activeAssociations >= config.maxAssociations) {
    return { reason: 'local-limit-exceeded', detail: `already ${rq.activeAssociations} associations open` };
  }
  return undefined;
}

/** Compares a configured host with a peer address, tolerating IPv4-mapped IPv6 addresses. */
function sameHost(configured: string, remote: string | null): boolean {
  if (!remote) return false;
  const strip = (a: string): string => a.replace(/^::ffff:/, '').toLowerCase();
  const want = strip(configured);
  const got = strip(remote);
  return want === got || (want === 'localhost' && (got === '127.0.0.1' || got === '::1'));
}
