/**
 * The main tags of each level (Orthanc's MainDicomTags in spirit), read from a parsed header.
 * Values are flattened to strings (multi-valued joined with a backslash, as in DICOM) so the
 * index and the API show them the same way whatever the VR.
 */
export const PATIENT_TAGS = ['PatientID', 'PatientName', 'PatientBirthDate', 'PatientSex', 'IssuerOfPatientID'] as const;

export const STUDY_TAGS = [
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
  'ReferringPhysicianName',
  'InstitutionName',
  'RequestedProcedureDescription',
] as const;

export const SERIES_TAGS = [
  'SeriesInstanceUID',
  'Modality',
  'SeriesNumber',
  'SeriesDescription',
  'SeriesDate',
  'SeriesTime',
  'BodyPartExamined',
  'ProtocolName',
  'StationName',
  'Manufacturer',
  'ManufacturerModelName',
  'ContrastBolusAgent',
  'ViewPosition',
  'PerformedProcedureStepID',
  'FrameOfReferenceUID',
] as const;

export const INSTANCE_TAGS = [
  'SOPInstanceUID',
  'SOPClassUID',
  'InstanceNumber',
  'AcquisitionNumber',
  'ImageType',
  'ImagePositionPatient',
  'ImageOrientationPatient',
  'SliceLocation',
  'SliceThickness',
  'ImagesInAcquisition',
  'NumberOfFrames',
  'Rows',
  'Columns',
  'PixelSpacing',
  'PhotometricInterpretation',
  'ContentDate',
  'ContentTime',
] as const;

export type MainTags = Record<string, string>;

export interface HeaderSummary {
  patient: MainTags;
  study: MainTags;
  series: MainTags;
  instance: MainTags;
}

export function summarizeHeader(attrs: Record<string, unknown>): HeaderSummary {
  return {
    patient: pick(attrs, PATIENT_TAGS),
    study: pick(attrs, STUDY_TAGS),
    series: pick(attrs, SERIES_TAGS),
    instance: pick(attrs, INSTANCE_TAGS),
  };
}

function pick(attrs: Record<string, unknown>, keys: readonly string[]): MainTags {
  const out: MainTags = {};
  for (const key of keys) {
    const value = flattenValue(attrs[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** One DICOM value as text: PN objects to their alphabetic form, arrays joined with "\". */
export function flattenValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const parts = value.map((v) => flattenValue(v) ?? '');
    return parts.length === 0 ? undefined : parts.join('\\');
  }
  if (typeof value === 'object') {
    const pn = value as { Alphabetic?: unknown };
    return typeof pn.Alphabetic === 'string' ? pn.Alphabetic : undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string') return value.replace(/[\s\0]+$/, '');
  return undefined;
}
