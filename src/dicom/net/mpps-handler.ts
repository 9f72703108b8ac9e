/**
 * What the SCP needs to answer Modality Performed Procedure Step N-CREATE and N-SET. The SCP
 * only translates DIMSE; the series part decides (src/series/mpps.ts).
 */
export interface MppsRequest {
  /** Affected (N-CREATE) or requested (N-SET) SOP Instance UID of the step. */
  sopInstanceUid: string;
  /** The request's data set, naturalized by dcmjs (keywords, sequences as arrays). */
  attrs: Record<string, unknown>;
  callingAeTitle: string;
}

export interface MppsAnswer {
  status: number;
  comment?: string;
}

export interface MppsHandler {
  create(request: MppsRequest): MppsAnswer;
  set(request: MppsRequest): MppsAnswer;
}
