import { StorageSopClass } from '../../dicom/data/uids.js';
import { commonAttributes, type MemoryFile, part10Bytes } from '../phantom/dicom-common.js';
import type { SyntheticPatient } from '../phantom/patient.js';
import { Rng } from '../../core/random.js';
import { phantomUid } from '../phantom/uids.js';

/** What the MR series is, for callers that track it (the demo, its test). */
export interface MrSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patient: SyntheticPatient;
  files: MemoryFile[];
}

const ROWS = 128;
const SLICES = 12;
const PIXEL_MM = 1.8;
const SLICE_MM = 5;

/**
 * A small axial T2 brain MR series: no routing rule of the shipped plugins takes MR, so it
 * shows a study that is stored and listed but never sent to a model. The phantom generator
 * makes CT and radiographs only; this builds plausible MR Image Storage objects (sequence,
 * timing, field strength, geometry) around a crude head: skull ring, bright CSF, grey brain.
 */
export function mrBrainSeries(seed: number): MrSeries {
  const key = `demo-mr/${seed}`;
  const patient = mrPatient(seed);
  const studyUid = phantomUid(key, 'study');
  const seriesUid = phantomUid(key, 'series');
  const forUid = phantomUid(key, 'frame-of-reference');
  const rng = new Rng(`${key}/noise`);
  const files: MemoryFile[] = [];
  const half = (ROWS * PIXEL_MM) / 2;
  for (let k = 0; k < SLICES; k++) {
    const z = -20 + k * SLICE_MM;
    const pixels = headSlice(z, rng);
    const dataset: Record<string, unknown> = {
      ...commonAttributes({
        patient,
        sopClassUid: StorageSopClass.Mr,
        sopInstanceUid: phantomUid(key, 'instance', k),
        studyInstanceUid: studyUid,
        seriesInstanceUid: seriesUid,
        modality: 'MR',
        manufacturer: 'SYNTHETIC MR',
        model: 'PHANTOM 1.5T',
        studyDescription: 'MR BRAIN WITHOUT CONTRAST',
        seriesDescription: 'AX T2 TSE',
        bodyPart: 'BRAIN',
        seriesNumber: 3,
        instanceNumber: k + 1,
      }),
      // Value 3 from the MR IOD's defined terms (scanners' own, like Siemens' M\ND, draw warnings).
      ImageType: ['ORIGINAL', 'PRIMARY', 'OTHER'],
      ScanningSequence: 'SE',
      SequenceVariant: ['SK', 'SP'],
      ScanOptions: 'FC',
      MRAcquisitionType: '2D',
      SequenceName: '*tse2d1_15',
      SliceThickness: SLICE_MM,
      SpacingBetweenSlices: SLICE_MM,
      RepetitionTime: 4000,
      EchoTime: 98,
      EchoTrainLength: 15,
      NumberOfAverages: 2,
      ImagingFrequency: 63.87,
      ImagedNucleus: '1H',
      MagneticFieldStrength: 1.5,
      FlipAngle: 150,
      PatientPosition: 'HFS',
      ImagesInAcquisition: SLICES,
      FrameOfReferenceUID: forUid,
      PositionReferenceIndicator: '',
      ImagePositionPatient: [-half, -half, z],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      SliceLocation: z,
      PixelSpacing: [PIXEL_MM, PIXEL_MM],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ROWS,
      Columns: ROWS,
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 0,
      WindowCenter: 600,
      WindowWidth: 1200,
    };
    files.push({ name: `MR_${String(k + 1).padStart(4, '0')}.dcm`, bytes: part10Bytes(dataset, pixels) });
  }
  return { studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, patient, files };
}

/** Identifiers in the phantoms' style: no one could take them for a real person's. */
function mrPatient(seed: number): SyntheticPatient {
  const n = String(seed).padStart(6, '0');
  return {
    name: `SYNTHETIC^PHANTOM MR ${n}`,
    id: `SYN-MR-${n}`,
    birthDate: '19700101',
    sex: 'F',
    ageYears: 56,
    accession: `SYNMR${n}`,
    studyDate: '20260301',
    studyTime: '101500',
  };
}

/** T2-like intensities: an ellipse of brain (grey) in CSF (bright) inside a dark skull ring. */
function headSlice(zMm: number, rng: Rng): Uint16Array {
  const out = new Uint16Array(ROWS * ROWS);
  // The head narrows towards the vertex.
  const scale = Math.sqrt(Math.max(0.2, 1 - ((zMm - 10) / 60) ** 2));
  const a = 70 * scale;
  const b = 88 * scale;
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < ROWS; c++) {
      const x = (c - ROWS / 2 + 0.5) * PIXEL_MM;
      const y = (r - ROWS / 2 + 0.5) * PIXEL_MM;
      const d = Math.sqrt((x / a) ** 2 + (y / b) ** 2);
      let v = 20;
      if (d < 0.86) v = 520 + (Math.abs(x) < 3 ? 500 : 0);
      else if (d < 0.92) v = 1100;
      else if (d < 1) v = 60;
      out[r * ROWS + c] = Math.max(0, Math.round(v + rng.uniform(-25, 25)));
    }
  }
  return out;
}
