import type { DicomDict } from 'dcmjs';

/**
 * Typed reads from a dcmjs DICOM JSON dict by tag. Faster than naturalizing the whole data set
 * (which walks every functional group of a multi-frame object), and every value is checked:
 * DICOM data is untrusted input.
 */
export const Tag = {
  ImageType: '00080008',
  SopClassUid: '00080016',
  SopInstanceUid: '00080018',
  Modality: '00080060',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  PixelSpacing: '00280030',
  ImagerPixelSpacing: '00181164',
  EstimatedRadiographicMagnificationFactor: '00181114',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  PixelRepresentation: '00280103',
  PlanarConfiguration: '00280006',
  WindowCenter: '00281050',
  WindowWidth: '00281051',
  RescaleIntercept: '00281052',
  RescaleSlope: '00281053',
  VoiLutFunction: '00281056',
  VoiLutSequence: '00283010',
  LutDescriptor: '00283002',
  LutData: '00283006',
  SharedFunctionalGroups: '52009229',
  PerFrameFunctionalGroups: '52009230',
  PlanePositionSequence: '00209113',
  PlaneOrientationSequence: '00209116',
  PixelMeasuresSequence: '00289110',
  PixelValueTransformationSequence: '00289145',
  FrameVoiLutSequence: '00289132',
  TransferSyntaxUid: '00020010',
  PixelData: '7FE00010',
} as const;

export function values(dict: DicomDict | undefined, tag: string): unknown[] {
  const value = dict?.[tag]?.Value;
  return Array.isArray(value) ? value : [];
}

export function str(dict: DicomDict | undefined, tag: string): string | undefined {
  const v = values(dict, tag)[0];
  return typeof v === 'string' ? v.trim() : undefined;
}

export function strs(dict: DicomDict | undefined, tag: string): string[] {
  return values(dict, tag)
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim());
}

/** Numbers of a DS/IS/US… element; strings that parse as numbers count (dcmjs keeps some DS as text). */
export function nums(dict: DicomDict | undefined, tag: string): number[] {
  const out: number[] = [];
  for (const v of values(dict, tag)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
    if (!Number.isFinite(n)) return [];
    out.push(n);
  }
  return out;
}

export function num(dict: DicomDict | undefined, tag: string): number | undefined {
  return nums(dict, tag)[0];
}

/** Items of a sequence. */
export function items(dict: DicomDict | undefined, tag: string): DicomDict[] {
  return values(dict, tag).filter((v): v is DicomDict => typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer));
}

/** The first item of a sequence nested in a functional group item. */
export function groupItem(group: DicomDict | undefined, sequence: string): DicomDict | undefined {
  return items(group, sequence)[0];
}

/** Bytes of an OB/OW value (ArrayBuffer or view), without copying. */
export function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}
