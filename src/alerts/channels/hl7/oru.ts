import { interpretationOf, LOCAL_CODING_SCHEME } from '../../coding.js';
import type { Hl7DestinationConfig } from '../../../config/sections/alerts.js';
import { hl7DateTime } from '../../../hl7/datetime.js';
import { Hl7Message, segment } from '../../../hl7/message.js';
import type { AlertContext } from '../../context.js';
import type { Alert, DeliveryKind } from '../../model.js';
import { aiNotice, incompleteSeriesNote, resultLines } from '../../notice.js';
import { reportedResult, type ResultStatus } from '../../reported-result.js';
import { codedElement, msh, note, pid } from './segments.js';

/** The DICOM code for "Study Instance UID" (DCM 110180), so the study travels as an observation too. */
const STUDY_UID_CODE = ['110180', 'Study Instance UID', 'DCM'];

export interface OruInput {
  dest: Hl7DestinationConfig;
  alert: Alert;
  /** A withdrawal reports the negative finding that withdrew the alert. */
  kind: DeliveryKind;
  context: AlertContext;
  controlId: string;
  at: number;
  /** Set for an escalation: which level, said in a second note. */
  escalationLevel: number | null;
}

/**
 * ORU^R01 (v2.5.1) for one finding: PID; OBR for the study (accession in OBR-18, the result id
 * as filler order number, status P preliminary, or C when it corrects what was sent under that
 * number: a changed result or a withdrawal); OBX 1 the finding code with its probability (OBX-8
 * AA when critical, N for a withdrawal's negative, the threshold as reference range); OBX 2 the
 * Study Instance UID; NTE saying it is an AI triage result and not a diagnosis (and what the
 * correction is; for a finding made on part of a series, how much of it).
 */
/** HL7 table 0085, observation result status. */
const OBX_STATUS: Record<ResultStatus, 'P' | 'F' | 'C'> = { preliminary: 'P', final: 'F', corrected: 'C' };

export function buildOru({ dest, alert, kind, context, controlId, at, escalationLevel }: OruInput): Hl7Message {
  const reported = reportedResult(alert, kind);
  const f = reported.finding;
  // OBR-25 is the order's status: an AI result never makes the study's report final, so P (C
  // for a correction). OBX-11 is this result's: P on part of a series, F on the complete one, C corrected.
  const status = reported.corrects ? 'C' : 'P';
  const resultStatus = OBX_STATUS[reported.status];
  const observed = hl7DateTime(f.createdAt);
  const texts = [aiNotice(f), ...resultLines(reported), incompleteSeriesNote(f)];
  if (escalationLevel !== null) texts.push(`Escalation level ${escalationLevel}: this critical alert was not acknowledged in time.`);
  const notes = texts.filter((t): t is string => t !== null).map((t, i) => note(i + 1, t));
  return new Hl7Message([
    msh(dest, ['ORU', 'R01', 'ORU_R01'], controlId, at),
    pid(context),
    segment('OBR', {
      1: '1',
      3: [reported.resultId, dest.sendingApplication],
      4: ['AI-TRIAGE', 'AI triage of imaging study', LOCAL_CODING_SCHEME],
      7: observed,
      18: context.study.accessionNumber,
      22: observed,
      24: 'RAD',
      25: status,
    }),
    ...notes,
    segment('OBX', {
      1: '1',
      2: 'NM',
      3: codedElement(f.concept),
      5: String(Number(f.probability.toFixed(4))),
      6: ['1', 'probability', 'UCUM'],
      7: `<${Number(f.threshold.toFixed(4))}`,
      8: interpretationOf(f),
      11: resultStatus,
      14: observed,
      18: [`${f.modelId} ${f.modelVersion}`, dest.sendingApplication, f.deviceUid, 'ISO'],
    }),
    segment('OBX', { 1: '2', 2: 'ST', 3: STUDY_UID_CODE, 5: context.study.instanceUid, 11: resultStatus, 14: observed }),
  ]);
}
