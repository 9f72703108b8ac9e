import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { uidFor } from './dicom-fixtures.js';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** The Image Pixel attributes of 16-bit grayscale frames of size × size, with their pixel data. */
function grayscale16(size: number, pixels: Int16Array | Uint16Array, frames?: number): Record<string, unknown> {
  return {
    ...(frames === undefined ? {} : { NumberOfFrames: frames }),
    Rows: size,
    Columns: size,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: pixels instanceof Int16Array ? 1 : 0,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
}

function write(file: string, sopClass: string, sopUid: string, dataset: Record<string, unknown>): string {
  const dict = dcmjs.data.datasetToDict({
    _meta: {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: sopClass,
      MediaStorageSOPInstanceUID: sopUid,
      TransferSyntaxUID: EXPLICIT_LE,
      ImplementationClassUID: uidFor('vigil-tests'),
    },
    SOPClassUID: sopClass,
    SOPInstanceUID: sopUid,
    PatientName: 'TEST^OBJECTS',
    PatientID: 'PID-OBJ-1',
    StudyInstanceUID: uidFor(`${sopUid}/study`),
    SeriesInstanceUID: uidFor(`${sopUid}/series`),
    ...dataset,
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(dict.write()));
  return file;
}

/** An Enhanced CT Image (multi-frame) with per-frame plane positions in functional groups. */
export function writeEnhancedCt(file: string, frames = 4, size = 32): string {
  const sopClass = '1.2.840.10008.5.1.4.1.1.2.1';
  const pixels = new Int16Array(frames * size * size).map((_, i) => (i % 97) - 20);
  return write(file, sopClass, uidFor(`enhanced-ct/${file}`), {
    Modality: 'CT',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL', 'NONE'],
    ...grayscale16(size, pixels, frames),
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: [0.5, 0.5], SliceThickness: 1 }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
        PixelValueTransformationSequence: [{ RescaleIntercept: -1024, RescaleSlope: 1, RescaleType: 'HU' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: Array.from({ length: frames }, (_, i) => ({
      PlanePositionSequence: [{ ImagePositionPatient: [-8, -8, i] }],
    })),
  });
}

/** A Basic Text SR: no pixels at all, a content tree of nested sequences. */
export function writeBasicTextSr(file: string): string {
  const sopClass = '1.2.840.10008.5.1.4.1.1.88.11';
  return write(file, sopClass, uidFor(`sr/${file}`), {
    Modality: 'SR',
    ValueType: 'CONTAINER',
    ContinuityOfContent: 'SEPARATE',
    ConceptNameCodeSequence: [{ CodeValue: '18748-4', CodingSchemeDesignator: 'LN', CodeMeaning: 'Diagnostic imaging report' }],
    ContentSequence: [
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'TEXT',
        ConceptNameCodeSequence: [{ CodeValue: '121071', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Finding' }],
        TextValue: 'No acute abnormality.',
      },
    ],
  });
}

/**
 * A small CT whose header runs far past the first 64 KB (a long Referenced Image Sequence before
 * the pixels), so that reading it takes the paths that go back to the file.
 */
export function writeCtWithLongHeader(file: string, references = 1500): string {
  const sopClass = '1.2.840.10008.5.1.4.1.1.2';
  const size = 32;
  return write(file, sopClass, uidFor(`long-header/${file}`), {
    Modality: 'CT',
    SeriesNumber: 7,
    ReferencedImageSequence: Array.from({ length: references }, (_, i) => ({
      ReferencedSOPClassUID: sopClass,
      ReferencedSOPInstanceUID: uidFor(`long-header/ref/${i}`),
    })),
    ...grayscale16(
      size,
      new Int16Array(size * size).map((_, i) => i % 500),
    ),
  });
}

/**
 * A CT whose text is in ISO 2022 with code extensions, as Japanese scanners send it. dcmjs writes
 * every file as UTF-8, so the Specific Character Set element is rewritten in the bytes after.
 */
export function writeJapaneseCt(file: string): string {
  const sopClass = '1.2.840.10008.5.1.4.1.1.2';
  write(file, sopClass, uidFor(`iso2022/${file}`), {
    SpecificCharacterSet: 'ISO_IR 192',
    Modality: 'CT',
    ...grayscale16(8, new Uint16Array(64)),
  });
  const bytes = fs.readFileSync(file);
  const header = Buffer.from([0x08, 0x00, 0x05, 0x00, 0x43, 0x53]); // (0008,0005) CS
  const at = bytes.indexOf(header);
  const oldLength = bytes.readUInt16LE(at + 6);
  const value = Buffer.from('\\ISO 2022 IR 87 ', 'latin1'); // even length
  const element = Buffer.concat([header, Buffer.from([value.length, 0]), value]);
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), element, bytes.subarray(at + 8 + oldLength)]));
  return file;
}
