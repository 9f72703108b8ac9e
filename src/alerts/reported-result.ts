import type { Finding } from '../domain/finding.js';
import { followsEarlierResult, isCorrection, type Alert, type DeliveryKind } from './model.js';

/**
 * Where the reported result stands: preliminary (made on a series still arriving), final (the
 * complete series), or corrected (it changes or takes back what was sent under its result id).
 * HL7 OBX-11 P / F / C; FHIR Observation.status preliminary / final / corrected.
 */
export const RESULT_STATUSES = ['preliminary', 'final', 'corrected'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** What one delivery tells its destination about an alert's result. */
export interface ReportedResult {
  /** The alert's finding; for a withdrawal, the negative finding that withdrew it. */
  finding: Finding;
  /** The id the destination knows the result by (HL7 filler order number, FHIR identifier). */
  resultId: string;
  /** The message replaces what the destination may hold for resultId (HL7 status C, FHIR corrected). */
  corrects: boolean;
  /**
   * The destination may already hold a message under resultId (a correction, or a final result
   * confirming a preliminary one): FHIR updates those resources rather than creating them.
   */
  follows: boolean;
  status: ResultStatus;
  withdrawal: boolean;
}

export function reportedResult(alert: Alert, kind: DeliveryKind): ReportedResult {
  if (kind === 'withdrawal') {
    if (!alert.withdrawal) throw new Error(`alert ${alert.id} has a withdrawal delivery but was not withdrawn`);
    return { finding: alert.withdrawal, resultId: alert.resultId, corrects: true, follows: true, status: 'corrected', withdrawal: true };
  }
  const corrects = isCorrection(alert);
  const status: ResultStatus = alert.finding.preliminary ? 'preliminary' : corrects ? 'corrected' : 'final';
  return { finding: alert.finding, resultId: alert.resultId, corrects, follows: followsEarlierResult(alert), status, withdrawal: false };
}
