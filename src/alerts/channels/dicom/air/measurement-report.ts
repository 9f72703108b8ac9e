import { StorageSopClass } from '../../../../dicom/data/uids.js';
import type { Finding } from '../../../../domain/finding.js';
import { code, dicomCode, LOCAL_CODING_SCHEME } from '../../../coding.js';
import type { AlertContext } from '../../../context.js';
import type { Alert } from '../../../model.js';
import { aiNotice, incompleteSeriesNote, resultText } from '../../../notice.js';
import type { ReportedResult } from '../../../reported-result.js';
import { instanceNumberAt, keyImageReference, resultAttributes, sopReference } from '../result-attributes.js';
import { resultUids } from '../result-uids.js';
import { AIR_CODES, AIR_SERIES, algorithmIdentification, deviceObserverContext } from './air-codes.js';

type Item = Record<string, unknown>;

/**
 * The result as a DICOM Measurement Report (TID 1500), the SR the IHE AI Results profile asks
 * for: one Measurement Group (TID 1501) per finding with its tracking identifiers, the finding
 * concept, the algorithm (name, version), the qualitative evaluation (present or absent, SNOMED
 * CT), the probability as a NUM with its unit, the operating threshold, the finding site when the
 * pack declares one, and the image library (the key image). The observer is the model as a device
 * (its UID changes with every retraining). Preliminary while made on part of a series; a
 * correction or withdrawal is a new SR naming the one it replaces (Predecessor Documents).
 */
export function buildMeasurementReport(alert: Alert, reported: ReportedResult, context: AlertContext): Item {
  const f = reported.finding;
  const kind = reported.withdrawal ? 'withdrawal' : 'alert';
  const seriesInstanceUid = resultUids.srSeries(reported.resultId);
  const predecessorId = reported.withdrawal ? alert.id : alert.replaces;
  const key = reported.withdrawal ? null : context.keyInstance;
  const evidence = key && [
    {
      StudyInstanceUID: context.study.instanceUid,
      ReferencedSeriesSequence: [{ SeriesInstanceUID: key.seriesInstanceUid, ReferencedSOPSequence: [sopReference(key)] }],
    },
  ];
  return {
    ...resultAttributes({
      context,
      sopClassUid: StorageSopClass.ComprehensiveSr,
      sopInstanceUid: resultUids.sr(alert.id, kind),
      seriesInstanceUid,
      modality: 'SR',
      seriesNumber: AIR_SERIES.sr.number,
      seriesDescription: AIR_SERIES.sr.description,
      instanceNumber: instanceNumberAt(f.createdAt),
      contentAt: f.createdAt,
    }),
    ReferencedPerformedProcedureStepSequence: [],
    PerformedProcedureCodeSequence: [],
    // PARTIAL and PRELIMINARY: made on part of a series still arriving (an early run); the SR of
    // the complete series succeeds it and is FINAL. Nobody has verified a machine's result.
    CompletionFlag: reported.status === 'preliminary' ? 'PARTIAL' : 'COMPLETE',
    PreliminaryFlag: reported.status === 'preliminary' ? 'PRELIMINARY' : 'FINAL',
    VerificationFlag: 'UNVERIFIED',
    ...(evidence && { CurrentRequestedProcedureEvidenceSequence: evidence }),
    ...(predecessorId && {
      PredecessorDocumentsSequence: [
        {
          StudyInstanceUID: context.study.instanceUid,
          ReferencedSeriesSequence: [
            {
              SeriesInstanceUID: seriesInstanceUid,
              ReferencedSOPSequence: [
                { ReferencedSOPClassUID: StorageSopClass.ComprehensiveSr, ReferencedSOPInstanceUID: resultUids.sr(predecessorId, 'alert') },
              ],
            },
          ],
        },
      ],
    }),
    CodingSchemeIdentificationSequence: [
      { CodingSchemeDesignator: LOCAL_CODING_SCHEME, CodingSchemeName: 'Vigil local codes', CodingSchemeResponsibleOrganization: 'Vigil' },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [AIR_CODES.imagingMeasurementReport],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: [
      { RelationshipType: 'HAS CONCEPT MOD', ValueType: 'CODE', ConceptNameCodeSequence: [AIR_CODES.language], ConceptCodeSequence: [AIR_CODES.englishUs] },
      ...deviceObserverContext(f),
      {
        RelationshipType: 'HAS CONCEPT MOD',
        ValueType: 'CODE',
        ConceptNameCodeSequence: [AIR_CODES.procedureReported],
        ConceptCodeSequence: [AIR_CODES.imagingProcedure],
      },
      ...(key ? [imageLibrary(key)] : []),
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: [AIR_CODES.imagingMeasurements],
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: [measurementGroup(f, reported)],
      },
    ],
  };
}

/** TID 1501: the finding, how it was found, and what the model says about it. */
function measurementGroup(f: Finding, reported: ReportedResult): Item {
  const words = [resultText(reported), incompleteSeriesNote(f), aiNotice(f)].filter((t): t is string => t !== null);
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [AIR_CODES.measurementGroup],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1501' }],
    ContentSequence: [
      // The same finding of the same result keeps its tracking identifiers across corrections.
      {
        RelationshipType: 'HAS OBS CONTEXT',
        ValueType: 'TEXT',
        ConceptNameCodeSequence: [AIR_CODES.trackingIdentifier],
        TextValue: `${f.modelId} ${f.concept.display}`.slice(0, 1024),
      },
      {
        RelationshipType: 'HAS OBS CONTEXT',
        ValueType: 'UIDREF',
        ConceptNameCodeSequence: [AIR_CODES.trackingUid],
        UID: resultUids.tracking(reported.resultId),
      },
      { RelationshipType: 'HAS CONCEPT MOD', ValueType: 'CODE', ConceptNameCodeSequence: [AIR_CODES.finding], ConceptCodeSequence: [dicomCode(f.concept)] },
      ...(f.findingSite
        ? [
            {
              RelationshipType: 'HAS CONCEPT MOD',
              ValueType: 'CODE',
              ConceptNameCodeSequence: [AIR_CODES.findingSite],
              ConceptCodeSequence: [dicomCode(f.findingSite)],
            },
          ]
        : []),
      ...algorithmIdentification(f),
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CODE',
        ConceptNameCodeSequence: [dicomCode(f.concept)],
        ConceptCodeSequence: [f.positive ? AIR_CODES.present : AIR_CODES.absent],
      },
      numberItem(AIR_CODES.probability, f.probability),
      numberItem(code('THRESHOLD', LOCAL_CODING_SCHEME, `Threshold at operating point ${f.operatingPoint.name}`), f.threshold),
      ...words.map((text) => ({ RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: [AIR_CODES.comment], TextValue: text })),
    ],
  };
}

function numberItem(concept: Record<string, string>, value: number): Item {
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: [concept],
    MeasuredValueSequence: [{ NumericValue: Number(value.toFixed(4)), MeasurementUnitsCodeSequence: [AIR_CODES.unitlessProbability] }],
  };
}

/** TID 1600: the images the report is about (the key image the map peaks on). */
function imageLibrary(key: NonNullable<AlertContext['keyInstance']>): Item {
  const image: Item = { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [keyImageReference(key)] };
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [AIR_CODES.imageLibrary],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: [AIR_CODES.imageLibraryGroup],
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: [image],
      },
    ],
  };
}
