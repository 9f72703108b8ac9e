import type { Finding } from '../triage/finding.js';
import { isCorrection, type Alert, type DeliveryKind } from './model.js';

/** What one delivery tells its destination about an alert's result. */
export interface ReportedResult {
  /** The alert's finding; for a withdrawal, the negative finding that withdrew it. */
  finding: Finding;
  /** The id the destination knows the result by (HL7 filler order number, FHIR identifier). */
  resultId: string;
  /** The message replaces what the destination may hold for resultId (HL7 status C, FHIR corrected). */
  corrects: boolean;
  withdrawal: boolean;
}

export function reportedResult(alert: Alert, kind: DeliveryKind): ReportedResult {
  if (kind === 'withdrawal') {
    if (!alert.withdrawal) throw new Error(`alert ${alert.id} has a withdrawal delivery but was not withdrawn`);
    return { finding: alert.withdrawal, resultId: alert.resultId, corrects: true, withdrawal: true };
  }
  return { finding: alert.finding, resultId: alert.resultId, corrects: isCorrection(alert), withdrawal: false };
}
