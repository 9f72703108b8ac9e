import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import dcmjs from 'dcmjs';

/** Deterministic UIDs under the 2.25 arc from a seed string. */
export function uidFor(seed: string): string {
  const hex = crypto.createHash('sha256').update(seed).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

export interface SeriesOptions {
  seed?: string;
  slices?: number;
  rows?: number;
  columns?: number;
  modality?: 'CT' | 'MR';
  patientName?: string;
  patientId?: string;
  accessionNumber?: string;
  studyDate?: string;
  seriesDescription?: string;
  /** Images in Acquisition: the slice count by default; null leaves the tag out. */
  imagesInAcquisition?: number | null;
  /** z of each slice (default i * 5): gaps and repeats for the count checks. */
  positions?: number[];
  /** Write only these slices of the stack (the others are "still to come"). */
  only?: number[];
}

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const MR_IMAGE = '1.2.840.10008.5.1.4.1.1.4';

/**
 * Writes a small synthetic series with dcmjs (a disc phantom in HU, stepping positions), one
 * Part 10 file per slice. Enough for receive and index tests; the phantom generator makes the
 * realistic studies.
 */
export function writeSeries(dir: string, opts: SeriesOptions = {}): string[] {
  const seed = opts.seed ?? 'series';
  const slices = opts.slices ?? 3;
  const rows = opts.rows ?? 64;
  const columns = opts.columns ?? 64;
  const modality = opts.modality ?? 'CT';
  const sopClass = modality === 'CT' ? CT_IMAGE : MR_IMAGE;
  const studyUid = uidFor(`${seed}/study`);
  const seriesUid = uidFor(`${seed}/series`);
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < slices; i++) {
    if (opts.only && !opts.only.includes(i)) continue;
    const sopUid = uidFor(`${seed}/instance/${i}`);
    const pixels = new Int16Array(rows * columns);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const r = Math.hypot(x - columns / 2, y - rows / 2);
        pixels[y * columns + x] = r < columns / 3 ? 1064 + ((x * 7 + y * 3 + i) % 20) : 24;
      }
    }
    // dcmjs writes explicit VR little endian only; DCMTK's dcmconv makes other syntaxes.
    const transferSyntax = '1.2.840.10008.1.2.1';
    const dataset = {
      _meta: {
        FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
        MediaStorageSOPClassUID: sopClass,
        MediaStorageSOPInstanceUID: sopUid,
        TransferSyntaxUID: transferSyntax,
        ImplementationClassUID: uidFor('vigil-tests'),
      },
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      SOPClassUID: sopClass,
      SOPInstanceUID: sopUid,
      StudyDate: opts.studyDate ?? '20261128',
      StudyTime: '031500',
      AccessionNumber: opts.accessionNumber ?? 'ACC-TEST-1',
      Modality: modality,
      Manufacturer: 'VIGIL TESTS',
      StationName: 'TESTCT1',
      StudyDescription: 'TEST STUDY',
      SeriesDescription: opts.seriesDescription ?? 'AX 5mm',
      PatientName: opts.patientName ?? 'TEST^PATIENT',
      PatientID: opts.patientId ?? 'PID-TEST-1',
      PatientBirthDate: '19600101',
      PatientSex: 'O',
      SliceThickness: 5,
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      StudyID: '1',
      SeriesNumber: 2,
      InstanceNumber: i + 1,
      ImagePositionPatient: [-16, -16, opts.positions?.[i] ?? i * 5],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      FrameOfReferenceUID: uidFor(`${seed}/for`),
      ...(opts.imagesInAcquisition === null ? {} : { ImagesInAcquisition: opts.imagesInAcquisition ?? slices }),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: rows,
      Columns: columns,
      PixelSpacing: [0.5, 0.5],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: -1024,
      RescaleSlope: 1,
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const file = path.join(dir, `IM_${String(i + 1).padStart(4, '0')}.dcm`);
    const dict = dcmjs.data.datasetToDict(dataset);
    fs.writeFileSync(file, Buffer.from(dict.write()));
    files.push(file);
  }
  return files;
}
