import type { DicomConfig } from '../../config/sections/dicom.js';
import { DEFAULT_TRANSFER_SYNTAXES, isStorageSopClass, TransferSyntax, VERIFICATION_SOP_CLASS } from '../data/uids.js';

export type ContextDecision =
  { accept: true; transferSyntaxUid: string } | { accept: false; reason: 'abstract-syntax-not-supported' | 'transfer-syntaxes-not-supported' };

/** Non-storage services the SCP answers, with the syntaxes they speak. */
const UNCOMPRESSED = [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian];

/**
 * Picks the transfer syntax for one proposed presentation context. Among the syntaxes we
 * accept, the sender's first choice wins: a scanner that prefers JPEG-LS gets JPEG-LS, and the
 * file is stored exactly as it was sent.
 */
export function choosePresentationContext(
  config: DicomConfig,
  abstractSyntaxUid: string,
  proposed: readonly string[],
  extraServices: ReadonlySet<string> = new Set(),
): ContextDecision {
  let acceptable: readonly string[];
  if (abstractSyntaxUid === VERIFICATION_SOP_CLASS || extraServices.has(abstractSyntaxUid)) acceptable = UNCOMPRESSED;
  else if (acceptsStorageClass(config, abstractSyntaxUid)) acceptable = config.transferSyntaxes ?? DEFAULT_TRANSFER_SYNTAXES;
  else return { accept: false, reason: 'abstract-syntax-not-supported' };
  const chosen = proposed.find((ts) => acceptable.includes(ts));
  return chosen ? { accept: true, transferSyntaxUid: chosen } : { accept: false, reason: 'transfer-syntaxes-not-supported' };
}

export function acceptsStorageClass(config: DicomConfig, sopClassUid: string): boolean {
  if (config.storageSopClasses === 'all') return isStorageSopClass(sopClassUid);
  return config.storageSopClasses.includes(sopClassUid);
}
