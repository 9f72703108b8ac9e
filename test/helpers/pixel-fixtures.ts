import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { uidFor } from './dicom-fixtures.js';

/**
 * Small images with exactly known pixels and geometry, for golden tests of the pixel pipeline.
 * Every value is chosen by the test, so the expected tensor can be computed by hand.
 */
export interface SliceSpec {
  position: [number, number, number];
  /** Stored value at (row, column). */
  value: (row: number, column: number) => number;
  instanceNumber?: number;
  imageType?: string[];
  orientation?: number[];
  rows?: number;
  columns?: number;
}

export interface VolumeSpec {
  seed?: string;
  rows?: number;
  columns?: number;
  pixelSpacing?: [number, number];
  orientation?: number[];
  slope?: number;
  intercept?: number;
  modality?: string;
  photometric?: string;
  /** Images in Acquisition (0020,1002) on every slice: the series' announced image count. */
  imagesInAcquisition?: number;
}

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';
const DX_IMAGE = '1.2.840.10008.5.1.4.1.1.1.1';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function meta(sopClass: string, sopUid: string) {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopUid,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: uidFor('vigil-tests'),
  };
}

function common(seed: string, modality: string) {
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    StudyInstanceUID: uidFor(`${seed}/study`),
    SeriesInstanceUID: uidFor(`${seed}/series`),
    FrameOfReferenceUID: uidFor(`${seed}/for`),
    Modality: modality,
    PatientName: 'PIXEL^TEST',
    PatientID: 'PIX-1',
    StudyDate: '20260101',
    SeriesNumber: 1,
  };
}

function pixelsOf(rows: number, columns: number, value: (r: number, c: number) => number, signed: boolean): Int16Array | Uint16Array {
  const out = signed ? new Int16Array(rows * columns) : new Uint16Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[r * columns + c] = value(r, c);
  return out;
}

function write(file: string, dataset: Record<string, unknown>): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(dcmjs.data.datasetToDict(dataset).write()));
  return file;
}

/** One single-frame CT file per slice, named in the order given. */
export function writeSlices(dir: string, spec: VolumeSpec, slices: SliceSpec[]): string[] {
  const seed = spec.seed ?? 'volume';
  return slices.map((slice, i) => {
    const rows = slice.rows ?? spec.rows ?? 8;
    const columns = slice.columns ?? spec.columns ?? 8;
    const sopUid = uidFor(`${seed}/instance/${i}`);
    return write(path.join(dir, `slice-${String(i).padStart(3, '0')}.dcm`), {
      _meta: meta(CT_IMAGE, sopUid),
      ...common(seed, spec.modality ?? 'CT'),
      SOPClassUID: CT_IMAGE,
      SOPInstanceUID: sopUid,
      ImageType: slice.imageType ?? ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      InstanceNumber: slice.instanceNumber ?? i + 1,
      ...(spec.imagesInAcquisition !== undefined && { ImagesInAcquisition: spec.imagesInAcquisition }),
      ImagePositionPatient: slice.position,
      ImageOrientationPatient: slice.orientation ?? spec.orientation ?? [1, 0, 0, 0, 1, 0],
      PixelSpacing: spec.pixelSpacing ?? [1, 1],
      SliceThickness: 1,
      SamplesPerPixel: 1,
      PhotometricInterpretation: spec.photometric ?? 'MONOCHROME2',
      Rows: rows,
      Columns: columns,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: spec.intercept ?? 0,
      RescaleSlope: spec.slope ?? 1,
      PixelData: [pixelsOf(rows, columns, slice.value, true).buffer],
      _vrMap: { PixelData: 'OW' },
    });
  });
}

/** The same slices as one enhanced CT object with per-frame functional groups. */
export function writeEnhanced(file: string, spec: VolumeSpec, slices: SliceSpec[]): string {
  const seed = spec.seed ?? 'volume';
  const rows = spec.rows ?? 8;
  const columns = spec.columns ?? 8;
  const frame = rows * columns;
  const pixels = new Int16Array(frame * slices.length);
  slices.forEach((slice, f) => pixels.set(pixelsOf(rows, columns, slice.value, true), f * frame));
  const sopUid = uidFor(`${seed}/enhanced`);
  return write(file, {
    _meta: meta(ENHANCED_CT, sopUid),
    ...common(seed, spec.modality ?? 'CT'),
    SOPClassUID: ENHANCED_CT,
    SOPInstanceUID: sopUid,
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL', 'NONE'],
    InstanceNumber: 1,
    NumberOfFrames: slices.length,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: spec.pixelSpacing ?? [1, 1], SliceThickness: 1 }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: spec.orientation ?? [1, 0, 0, 0, 1, 0] }],
        PixelValueTransformationSequence: [{ RescaleIntercept: spec.intercept ?? 0, RescaleSlope: spec.slope ?? 1, RescaleType: 'HU' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: slices.map((slice) => ({ PlanePositionSequence: [{ ImagePositionPatient: slice.position }] })),
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  });
}

export interface RadiographSpec {
  rows: number;
  columns: number;
  value: (row: number, column: number) => number;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2';
  pixelSpacing?: [number, number];
  imagerPixelSpacing?: [number, number];
  magnification?: number;
  window?: { center: number; width: number; func?: string };
  /** A VOI LUT Sequence item: LUT Descriptor [entries, first mapped, bits] and LUT Data. */
  voiLut?: { first: number; bits: number; data: number[] };
  seed?: string;
}

/** A DX image, unsigned 16-bit. */
export function writeRadiograph(file: string, spec: RadiographSpec): string {
  const seed = spec.seed ?? 'radiograph';
  const sopUid = uidFor(`${seed}/instance`);
  return write(file, {
    _meta: meta(DX_IMAGE, sopUid),
    ...common(seed, 'DX'),
    SOPClassUID: DX_IMAGE,
    SOPInstanceUID: sopUid,
    ImageType: ['ORIGINAL', 'PRIMARY'],
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: spec.photometric ?? 'MONOCHROME2',
    Rows: spec.rows,
    Columns: spec.columns,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    ...(spec.pixelSpacing ? { PixelSpacing: spec.pixelSpacing } : {}),
    ...(spec.imagerPixelSpacing ? { ImagerPixelSpacing: spec.imagerPixelSpacing } : {}),
    ...(spec.magnification ? { EstimatedRadiographicMagnificationFactor: spec.magnification } : {}),
    ...(spec.window
      ? { WindowCenter: spec.window.center, WindowWidth: spec.window.width, ...(spec.window.func ? { VOILUTFunction: spec.window.func } : {}) }
      : {}),
    ...(spec.voiLut
      ? {
          VOILUTSequence: [
            { LUTDescriptor: [spec.voiLut.data.length, spec.voiLut.first, spec.voiLut.bits], LUTData: [new Uint16Array(spec.voiLut.data).buffer] },
          ],
        }
      : {}),
    PixelData: [pixelsOf(spec.rows, spec.columns, spec.value, false).buffer],
    _vrMap: { PixelData: 'OW' },
  });
}
