/** C-FIND / C-MOVE / C-GET statuses (PS3.4 C.4.1.1.4, C.4.2.1.5, C.4.3.1.4; PS3.7 C). */
export const QrStatus = {
  Success: 0x0000,
  Pending: 0xff00,
  /** Warning: some sub-operations (C-STOREs of a C-MOVE or C-GET) failed. */
  SubOperationsCompleteWithFailures: 0xb000,
  /** Refused: the calling AE title may not query or retrieve (dicom.queryRetrieve.allowedAeTitles). */
  NotAuthorized: 0x0124,
  SopClassNotSupported: 0x0122,
  /**
   * Refused: out of resources. Ends a C-FIND whose matches exceed dicom.queryRetrieve.maxResults,
   * after the first maxResults were sent: the query has to be narrowed.
   */
  OutOfResources: 0xa700,
  /** Refused: the sub-operations (C-STOREs) could not be started, e.g. the destination is down. */
  OutOfResourcesSubOperations: 0xa702,
  /** Refused: the C-MOVE destination is not a modality of dicom.modalities with a port. */
  MoveDestinationUnknown: 0xa801,
  /** The identifier does not fit the information model: no or a wrong level, a key below the level, a bad range. */
  IdentifierDoesNotMatchSopClass: 0xa900,
  /** Unable to process: a fault of ours (logged; the association goes on). */
  UnableToProcess: 0xc000,
} as const;

export interface QrProblem {
  status: number;
  comment: string;
}
