import { StorageSopClass } from '../../../dicom/data/uids.js';
import type { Finding } from '../../../domain/finding.js';
import { code, dicomCode, LOCAL_CODING_SCHEME } from '../../coding.js';
import type { AlertContext } from '../../context.js';
import type { Alert } from '../../model.js';
import { aiNotice, incompleteSeriesNote, resultText } from '../../notice.js';
import type { ReportedResult } from '../../reported-result.js';
import { instanceNumberAt, keyImageReference, resultAttributes, sopReference } from './result-attributes.js';
import { resultUids } from './result-uids.js';

const DCM = 'DCM';
const SR_SERIES_NUMBER = 9901;
/** "Diagnostic imaging study" (LOINC), as the FHIR report says too. */
const DOCUMENT_TITLE = code('18748-4', 'LN', 'Diagnostic imaging study');
const UCUM_NO_UNITS = code('1', 'UCUM', 'no units');
const POSITIVE = code('10828004', 'SCT', 'Positive');
const NEGATIVE = code('260385009', 'SCT', 'Negative');

/**
 * A Comprehensive SR of one AI triage result, for the PACS: who observed (the model, as a
 * device), what (the finding concept, positive or negative, the probability against the
 * operating threshold), the key image it was seen on, and in words what the result is and is
 * not. A correction or a withdrawal is a new document in the same series that names the one it
 * replaces (Predecessor Documents). No template is claimed: the tree is small and plain.
 */
export function buildResultSr(alert: Alert, reported: ReportedResult, context: AlertContext): Record<string, unknown> {
  const f = reported.finding;
  const kind = reported.withdrawal ? 'withdrawal' : 'alert';
  const seriesInstanceUid = resultUids.srSeries(reported.resultId);
  const predecessorId = reported.withdrawal ? alert.id : alert.replaces;
  const key = reported.withdrawal ? null : context.keyInstance;
  const evidence = key && [{ StudyInstanceUID: context.study.instanceUid, ReferencedSeriesSequence: [{ SeriesInstanceUID: key.seriesInstanceUid, ReferencedSOPSequence: [sopReference(key)] }] }];
  return {
    ...resultAttributes({
      context,
      sopClassUid: StorageSopClass.ComprehensiveSr,
      sopInstanceUid: resultUids.sr(alert.id, kind),
      seriesInstanceUid,
      modality: 'SR',
      seriesNumber: SR_SERIES_NUMBER,
      seriesDescription: 'AI triage results (Vigil, demonstrator)',
      instanceNumber: instanceNumberAt(f.createdAt),
      contentAt: f.createdAt,
    }),
    ReferencedPerformedProcedureStepSequence: [],
    PerformedProcedureCodeSequence: [],
    // PARTIAL: made on part of a series still arriving (an early run); the complete one's SR succeeds it.
    CompletionFlag: reported.status === 'preliminary' ? 'PARTIAL' : 'COMPLETE',
    // A machine's result nobody has signed: preliminary and unverified, as the HL7 and FHIR results say.
    PreliminaryFlag: 'PRELIMINARY',
    VerificationFlag: 'UNVERIFIED',
    ...(evidence && { CurrentRequestedProcedureEvidenceSequence: evidence }),
    ...(predecessorId && {
      PredecessorDocumentsSequence: [
        {
          StudyInstanceUID: context.study.instanceUid,
          ReferencedSeriesSequence: [
            { SeriesInstanceUID: seriesInstanceUid, ReferencedSOPSequence: [{ ReferencedSOPClassUID: StorageSopClass.ComprehensiveSr, ReferencedSOPInstanceUID: resultUids.sr(predecessorId, 'alert') }] },
          ],
        },
      ],
    }),
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: LOCAL_CODING_SCHEME, CodingSchemeName: 'Vigil local codes', CodingSchemeResponsibleOrganization: 'Vigil' }],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [DOCUMENT_TITLE],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [...observerContext(f), ...resultItems(f, reported), ...(key ? [imageItem(key)] : [])],
  };
}

/** The observer is the model, a device (TID 1004). */
function observerContext(f: Finding): Record<string, unknown>[] {
  return [
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'CODE', ConceptNameCodeSequence: [code('121005', DCM, 'Observer Type')], ConceptCodeSequence: [code('121007', DCM, 'Device')] },
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'UIDREF', ConceptNameCodeSequence: [code('121012', DCM, 'Device Observer UID')], UID: f.deviceUid },
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'TEXT', ConceptNameCodeSequence: [code('121013', DCM, 'Device Observer Name')], TextValue: `Vigil model ${f.modelId}` },
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'TEXT', ConceptNameCodeSequence: [code('121015', DCM, 'Device Observer Model Name')], TextValue: `${f.modelId} ${f.modelVersion}` },
  ];
}

function resultItems(f: Finding, reported: ReportedResult): Record<string, unknown>[] {
  const words = [resultText(reported), incompleteSeriesNote(f), aiNotice(f)].filter((t): t is string => t !== null);
  return [
    { RelationshipType: 'CONTAINS', ValueType: 'CODE', ConceptNameCodeSequence: [code('121071', DCM, 'Finding')], ConceptCodeSequence: [dicomCode(f.concept)] },
    { RelationshipType: 'CONTAINS', ValueType: 'CODE', ConceptNameCodeSequence: [code('RESULT', LOCAL_CODING_SCHEME, 'AI triage result')], ConceptCodeSequence: [f.positive ? POSITIVE : NEGATIVE] },
    numberItem(code('PROBABILITY', LOCAL_CODING_SCHEME, 'AI probability'), f.probability),
    numberItem(code('THRESHOLD', LOCAL_CODING_SCHEME, `Threshold at operating point ${f.operatingPoint.name}`), f.threshold),
    ...words.map((text) => ({ RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: [code('121106', DCM, 'Comment')], TextValue: text })),
  ];
}

function numberItem(concept: Record<string, string>, value: number): Record<string, unknown> {
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: [concept],
    MeasuredValueSequence: [{ NumericValue: Number(value.toFixed(4)), MeasurementUnitsCodeSequence: [UCUM_NO_UNITS] }],
  };
}

/** The image the model's key image was drawn on. */
function imageItem(key: NonNullable<AlertContext['keyInstance']>): Record<string, unknown> {
  return { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ConceptNameCodeSequence: [code('121112', DCM, 'Source of Measurement')], ReferencedSOPSequence: [keyImageReference(key)] };
}
