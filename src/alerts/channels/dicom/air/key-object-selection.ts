import { StorageSopClass } from '../../../../dicom/data/uids.js';
import type { AlertContext } from '../../../context.js';
import type { Alert } from '../../../model.js';
import { findingSummary } from '../../../notice.js';
import { instanceNumberAt, keyImageReference, resultAttributes, sopReference } from '../result-attributes.js';
import { resultUids } from '../result-uids.js';
import { AIR_CODES, AIR_SERIES, deviceObserverContext } from './air-codes.js';

/**
 * A Key Object Selection (TID 2010, "Of Interest") of the image the model's map peaks on, so a
 * PACS or viewer can flag and open it without reading the SR. Only for an alert with a key
 * image: a withdrawal selects nothing.
 */
export function buildKeyObjectSelection(alert: Alert, context: AlertContext): Record<string, unknown> {
  const f = alert.finding;
  const key = context.keyInstance;
  if (!key) throw new Error('a key object selection needs a key image');
  return {
    ...resultAttributes({
      context,
      sopClassUid: StorageSopClass.KeyObjectSelection,
      sopInstanceUid: resultUids.kos(alert.id),
      seriesInstanceUid: resultUids.kosSeries(alert.resultId),
      modality: 'KO',
      seriesNumber: AIR_SERIES.kos.number,
      seriesDescription: AIR_SERIES.kos.description,
      instanceNumber: instanceNumberAt(f.createdAt),
      contentAt: f.createdAt,
    }),
    ReferencedPerformedProcedureStepSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: context.study.instanceUid,
        ReferencedSeriesSequence: [{ SeriesInstanceUID: key.seriesInstanceUid, ReferencedSOPSequence: [sopReference(key)] }],
      },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [AIR_CODES.ofInterest],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContentSequence: [
      ...deviceObserverContext(f),
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'TEXT',
        ConceptNameCodeSequence: [AIR_CODES.keyObjectDescription],
        TextValue: `${findingSummary(f)}. AI triage result, not a diagnosis.`.slice(0, 1024),
      },
      { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [keyImageReference(key)] },
    ],
  };
}
