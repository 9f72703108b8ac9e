import crypto from 'node:crypto';
/** UIDs that identify Vigil itself and the DICOM services it speaks. */

/** Our implementation class UID (a 2.25 UUID-derived root, fixed for the product). */
export const IMPLEMENTATION_CLASS_UID = '2.25.328121444967526695241906904758656905934';
export const IMPLEMENTATION_VERSION_NAME = 'VIGIL_0_1';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';
export const MPPS_SOP_CLASS = '1.2.840.10008.3.1.2.3.3';
/** Every standard storage SOP class lives under this arc (PS3.4 Annex B, PS3.6 Table A-1). */
export const STORAGE_SOP_CLASS_ROOT = '1.2.840.10008.5.1.4.1.1.';

export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegLossless: '1.2.840.10008.1.2.4.57',
  JpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  Jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  Jpeg2000: '1.2.840.10008.1.2.4.91',
  RleLossless: '1.2.840.10008.1.2.5',
} as const;

/** Every transfer syntax the pixel pipeline decodes (natively or through dcmjs-codecs). */
export const DECODABLE_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.JpegBaseline,
  TransferSyntax.JpegExtended,
  TransferSyntax.JpegLossless,
  TransferSyntax.JpegLosslessSV1,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.JpegLsNearLossless,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.Jpeg2000,
  TransferSyntax.RleLossless,
];

/**
 * What the SCP accepts by default: what the pixel pipeline can decode, so that every instance
 * taken in can be triaged. Deflated and big endian are left out on purpose: deflate produced
 * corrupt files in trials and big endian is retired; a sender offering them alone is refused at
 * negotiation.
 */
export const DEFAULT_TRANSFER_SYNTAXES: readonly string[] = DECODABLE_TRANSFER_SYNTAXES;

/** Storage classes scanners commonly send, by name, for configs and messages. */
export const StorageSopClass = {
  ComputedRadiography: '1.2.840.10008.5.1.4.1.1.1',
  DigitalXRayPresentation: '1.2.840.10008.5.1.4.1.1.1.1',
  DigitalXRayProcessing: '1.2.840.10008.5.1.4.1.1.1.1.1',
  Ct: '1.2.840.10008.5.1.4.1.1.2',
  EnhancedCt: '1.2.840.10008.5.1.4.1.1.2.1',
  Mr: '1.2.840.10008.5.1.4.1.1.4',
  EnhancedMr: '1.2.840.10008.5.1.4.1.1.4.1',
  SecondaryCapture: '1.2.840.10008.5.1.4.1.1.7',
  MultiframeGrayscaleWordSecondaryCapture: '1.2.840.10008.5.1.4.1.1.7.3',
  BasicTextSr: '1.2.840.10008.5.1.4.1.1.88.11',
  EnhancedSr: '1.2.840.10008.5.1.4.1.1.88.22',
  ComprehensiveSr: '1.2.840.10008.5.1.4.1.1.88.33',
  KeyObjectSelection: '1.2.840.10008.5.1.4.1.1.88.59',
  Segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
  EncapsulatedPdf: '1.2.840.10008.5.1.4.1.1.104.1',
} as const;

export function isStorageSopClass(uid: string): boolean {
  return uid.startsWith(STORAGE_SOP_CLASS_ROOT);
}

/** A DICOM UID: digits and dots, components without leading zeros, at most 64 characters. */
/**
 * A deterministic UID under the 2.25 (UUID-derived) arc: the same parts always give the same
 * UID, different parts never share one. 2.25 + a 127-bit decimal stays within 64 characters.
 */
export function derivedUid(...parts: (string | number)[]): string {
  const hex = crypto.createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 32);
  // Clear the top bit so the decimal stays within 39 digits.
  const value = BigInt(`0x${hex}`) & ((1n << 127n) - 1n);
  return `2.25.${value.toString()}`;
}

export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(uid);
}
