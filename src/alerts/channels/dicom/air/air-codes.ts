import type { Finding } from '../../../../domain/finding.js';
import { code, LOCAL_CODING_SCHEME } from '../../../coding.js';

const DCM = 'DCM';
const SCT = 'SCT';

type Item = Record<string, unknown>;

/**
 * The codes of the IHE AI Results objects (PS3.16: TID 1500, 1501, 1600, 1004, 4019; SEG and KOS).
 * The probability has no standard concept name that says "the model's probability of this
 * finding": it keeps Vigil's local code, with UCUM "1" (no units) as its unit.
 */
export const AIR_CODES = {
  imagingMeasurementReport: code('126000', DCM, 'Imaging Measurement Report'),
  language: code('121049', DCM, 'Language of Content Item and Descendants'),
  englishUs: code('en-US', 'RFC5646', 'English (United States)'),
  procedureReported: code('121058', DCM, 'Procedure reported'),
  imagingProcedure: code('363679005', SCT, 'Imaging procedure'),
  imageLibrary: code('111028', DCM, 'Image Library'),
  imageLibraryGroup: code('126200', DCM, 'Image Library Group'),
  imagingMeasurements: code('126010', DCM, 'Imaging Measurements'),
  measurementGroup: code('125007', DCM, 'Measurement Group'),
  trackingIdentifier: code('112039', DCM, 'Tracking Identifier'),
  trackingUid: code('112040', DCM, 'Tracking Unique Identifier'),
  finding: code('121071', DCM, 'Finding'),
  findingSite: code('363698007', SCT, 'Finding Site'),
  algorithmName: code('111001', DCM, 'Algorithm Name'),
  algorithmVersion: code('111003', DCM, 'Algorithm Version'),
  present: code('52101004', SCT, 'Present'),
  absent: code('2667000', SCT, 'Absent'),
  probability: code('PROBABILITY', LOCAL_CODING_SCHEME, 'AI probability'),
  unitlessProbability: code('1', 'UCUM', 'no units'),
  comment: code('121106', DCM, 'Comment'),
  observerType: code('121005', DCM, 'Observer Type'),
  device: code('121007', DCM, 'Device'),
  deviceObserverUid: code('121012', DCM, 'Device Observer UID'),
  deviceObserverName: code('121013', DCM, 'Device Observer Name'),
  deviceObserverManufacturer: code('121014', DCM, 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', DCM, 'Device Observer Model Name'),
  /** SEG: the category of what a segment shows (CID 7150) and how its frames were derived. */
  morphologicallyAlteredStructure: code('49755003', SCT, 'Morphologically Altered Structure'),
  segmentation: code('113076', DCM, 'Segmentation'),
  sourceImageForProcessing: code('121322', DCM, 'Source image for image processing operation'),
  /** KOS document title (CID 7010). */
  ofInterest: code('113000', DCM, 'Of Interest'),
  keyObjectDescription: code('113012', DCM, 'Key Object Description'),
} as const;

/** The series each kind of result object goes in (one per result), numbered after the study's own. */
export const AIR_SERIES = {
  sr: { number: 9901, description: 'AI results (Vigil, demonstrator)' },
  sc: { number: 9902, description: 'AI triage key images (Vigil, demonstrator)' },
  seg: { number: 9903, description: 'AI localisation map (Vigil, demonstrator)' },
  /** The graded SEG (a destination's `segmentation: fractional`), in a series of its own: a viewer lists the two apart. */
  segFractional: { number: 9906, description: 'AI localisation map, probabilities (Vigil, demonstrator)' },
  kos: { number: 9904, description: 'AI key images (Vigil, demonstrator)' },
} as const;

/** TID 1004: the model is the observer, a device; its UID changes with every retraining. */
export function deviceObserverContext(f: Finding): Item[] {
  const context = (concept: Record<string, string>, valueType: string, value: Item): Item => ({
    RelationshipType: 'HAS OBS CONTEXT',
    ValueType: valueType,
    ConceptNameCodeSequence: [concept],
    ...value,
  });
  return [
    context(AIR_CODES.observerType, 'CODE', { ConceptCodeSequence: [AIR_CODES.device] }),
    context(AIR_CODES.deviceObserverUid, 'UIDREF', { UID: f.deviceUid }),
    context(AIR_CODES.deviceObserverName, 'TEXT', { TextValue: `Vigil model ${f.modelId}` }),
    context(AIR_CODES.deviceObserverManufacturer, 'TEXT', { TextValue: 'Vigil' }),
    context(AIR_CODES.deviceObserverModelName, 'TEXT', { TextValue: `${f.modelId} ${f.modelVersion}` }),
  ];
}

/** TID 4019: the algorithm that made the finding. */
export function algorithmIdentification(f: Finding): Item[] {
  return [
    { RelationshipType: 'HAS CONCEPT MOD', ValueType: 'TEXT', ConceptNameCodeSequence: [AIR_CODES.algorithmName], TextValue: f.modelId },
    { RelationshipType: 'HAS CONCEPT MOD', ValueType: 'TEXT', ConceptNameCodeSequence: [AIR_CODES.algorithmVersion], TextValue: f.modelVersion },
  ];
}
