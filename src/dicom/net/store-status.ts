import type { StoreOutcome } from '../../store/instance-store.js';

/** C-STORE statuses (PS3.4 B.2.3 and PS3.7 C). Cxxx sub-codes are ours and documented here. */
export const DimseStatus = {
  Success: 0x0000,
  /**
   * Warning (ours): the store holds this SOP Instance UID with other content and kept it
   * (storage.duplicates: keep-first); what was sent is not stored.
   */
  WarningDuplicateIgnored: 0xb001,
  /** Warning (ours): the store held this SOP Instance UID with other content and replaced it (storage.duplicates: overwrite). */
  WarningDuplicateOverwrote: 0xb002,
  ProcessingFailure: 0x0110,
  SopClassNotSupported: 0x0122,
  OutOfResources: 0xa700,
  DataSetDoesNotMatchSopClass: 0xa900,
  /** Cannot understand: the data set could not be parsed. */
  CannotUnderstand: 0xc000,
  /** Cannot understand: the data set ends before its last element does. */
  CannotUnderstandTruncated: 0xc001,
  /** Cannot understand: a UID needed to file the instance is missing. */
  CannotUnderstandMissingAttribute: 0xc002,
  /** Cannot understand: the data set's SOP Instance UID is not the command's. */
  CannotUnderstandUidMismatch: 0xc003,
  /** Cannot understand: a UID needed to file the instance is not a UID (not digits and dots, or longer than 64). */
  CannotUnderstandInvalidUid: 0xc004,
  /**
   * Cannot understand: an element outside Pixel Data is longer than storage.maxElementMb. A
   * failure rather than out of resources (A7xx), which senders retry: sent again, it fails again.
   */
  CannotUnderstandElementTooLarge: 0xc005,
} as const;

export function storeStatus(outcome: StoreOutcome): { status: number; comment?: string } {
  switch (outcome.kind) {
    case 'stored':
    case 'duplicate':
      return { status: DimseStatus.Success };
    case 'duplicate-ignored':
      return { status: DimseStatus.WarningDuplicateIgnored, comment: 'held with other content: the first one is kept' };
    case 'overwritten':
      return { status: DimseStatus.WarningDuplicateOverwrote, comment: 'held with other content: replaced by this one' };
    case 'refused':
      return { status: refusalStatus(outcome), comment: outcome.detail.slice(0, 64) };
    default:
      return outcome satisfies never;
  }
}

function refusalStatus(outcome: Extract<StoreOutcome, { kind: 'refused' }>): number {
  switch (outcome.reason) {
    case 'out-of-resources':
      return DimseStatus.OutOfResources;
    case 'unparsable':
      return DimseStatus.CannotUnderstand;
    case 'truncated':
      return DimseStatus.CannotUnderstandTruncated;
    case 'missing-attribute':
      return DimseStatus.CannotUnderstandMissingAttribute;
    case 'uid-mismatch':
      return DimseStatus.CannotUnderstandUidMismatch;
    case 'invalid-uid':
      return DimseStatus.CannotUnderstandInvalidUid;
    case 'element-too-large':
      return DimseStatus.CannotUnderstandElementTooLarge;
    case 'sop-class-mismatch':
      return DimseStatus.DataSetDoesNotMatchSopClass;
    case 'filtered':
      return outcome.status ?? DimseStatus.ProcessingFailure;
    case 'internal':
      return DimseStatus.ProcessingFailure;
    default:
      return outcome.reason satisfies never;
  }
}
