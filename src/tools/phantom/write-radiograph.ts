import { StorageSopClass } from '../../dicom/data/uids.js';
import type { RadiographStudy } from './cxr.js';
import { commonAttributes, type MemoryFile, part10Bytes } from './dicom-common.js';
import type { PhantomLabel } from './label.js';
import { phantomUid } from './uids.js';

/**
 * A radiograph as one DX for Presentation or CR Image Storage file. MONOCHROME1 vendors store the
 * display values inverted (low values white), as such detectors do; DX files carry Imager Pixel
 * Spacing, the CR vendor Pixel Spacing, like the real ones.
 */
export function radiographFiles(study: RadiographStudy, uidKey: string): { series: PhantomLabel['series']; files: MemoryFile[] } {
  const { vendor, patient } = study;
  const max = 2 ** vendor.bitsStored - 1;
  const mono1 = vendor.photometric === 'MONOCHROME1';
  const pixels = new Uint16Array(study.image.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = study.image[i]!;
    pixels[i] = Math.round((mono1 ? 1 - v : v) * max);
  }
  const dx = vendor.modality === 'DX';
  const studyUid = phantomUid(uidKey, 'study');
  const seriesUid = phantomUid(uidKey, 'series');
  const sopUid = phantomUid(uidKey, 'instance', 0);
  const spacing = [round6(study.spacingMm), round6(study.spacingMm)];
  const dataset: Record<string, unknown> = {
    ...commonAttributes({
      patient,
      sopClassUid: dx ? StorageSopClass.DigitalXRayPresentation : StorageSopClass.ComputedRadiography,
      sopInstanceUid: sopUid,
      studyInstanceUid: studyUid,
      seriesInstanceUid: seriesUid,
      modality: vendor.modality,
      manufacturer: vendor.manufacturer,
      model: vendor.model,
      studyDescription: study.description.study,
      seriesDescription: study.description.series,
      bodyPart: 'CHEST',
      seriesNumber: 1,
      instanceNumber: 1,
    }),
    ImageType: ['ORIGINAL', 'PRIMARY'],
    ViewPosition: study.description.view,
    ViewCodeSequence: [
      study.description.view === 'PA'
        ? { CodeValue: '399348003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'postero-anterior' }
        : { CodeValue: '399182003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'antero-posterior' },
    ],
    PatientOrientation: ['L', 'F'],
    KVP: 120,
    ExposureTime: 12,
    XRayTubeCurrent: 250,
    Exposure: 3,
    SamplesPerPixel: 1,
    PhotometricInterpretation: vendor.photometric,
    Rows: study.rows,
    Columns: study.columns,
    BitsAllocated: 16,
    BitsStored: vendor.bitsStored,
    HighBit: vendor.bitsStored - 1,
    PixelRepresentation: 0,
    WindowCenter: Math.round((max + 1) / 2),
    WindowWidth: max + 1,
    RescaleIntercept: 0,
    RescaleSlope: 1,
    RescaleType: 'US',
    LossyImageCompression: '00',
    BurnedInAnnotation: 'NO',
    ...(dx
      ? {
          PresentationIntentType: 'FOR PRESENTATION',
          ImageLaterality: 'U',
          AnatomicRegionSequence: [{ CodeValue: '43799004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Chest' }],
          PixelIntensityRelationship: 'LOG',
          PixelIntensityRelationshipSign: mono1 ? 1 : -1,
          PresentationLUTShape: mono1 ? 'INVERSE' : 'IDENTITY',
          DetectorType: 'SCINTILLATOR',
          ImagerPixelSpacing: spacing,
          AcquisitionContextSequence: [],
          PositionerType: 'NONE',
          DistanceSourceToDetector: 1800,
          DistanceSourceToPatient: 1650,
          EstimatedRadiographicMagnificationFactor: 1.090909,
        }
      : {
          PixelSpacing: spacing,
          PlateType: 'SYNTHETIC',
        }),
  };
  const bytes = part10Bytes(dataset, pixels);
  return { series: { studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, files: ['XR_0001.dcm'] }, files: [{ name: 'XR_0001.dcm', bytes }] };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
