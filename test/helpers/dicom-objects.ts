import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { uidFor } from './dicom-fixtures.js';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

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
    NumberOfFrames: frames,
    Rows: size,
    Columns: size,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
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
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
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
