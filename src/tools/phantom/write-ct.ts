import { StorageSopClass } from '../../dicom/data/uids.js';
import type { CtStudy } from './ct-study.js';
import { commonAttributes, type MemoryFile, part10Bytes } from './dicom-common.js';
import type { PhantomLabel } from './label.js';
import { phantomUid } from './uids.js';

/**
 * A CT study as one CT Image Storage file per slice, with the geometry a real scanner
 * writes: ImagePositionPatient stepping along the slice normal, PixelSpacing, rescale to HU, and
 * the vendor's storage habits (signed or not, intercept, padding outside the scan circle).
 */
export function ctSeriesFiles(study: CtStudy, uidKey: string): { series: PhantomLabel['series']; files: MemoryFile[] } {
  const { volume, vendor, patient, description } = study;
  const g = volume.geometry;
  const st = vendor.storage;
  const studyUid = phantomUid(uidKey, 'study');
  const seriesUid = phantomUid(uidKey, 'series');
  const forUid = phantomUid(uidKey, 'frame-of-reference');
  const lo = st.signed ? -(2 ** (st.bitsStored - 1)) : 0;
  const hi = st.signed ? 2 ** (st.bitsStored - 1) - 1 : 2 ** st.bitsStored - 1;
  const count = g.zPositionsMm.length;
  const brain = description.bodyPart === 'HEAD';
  const files: MemoryFile[] = [];
  for (let k = 0; k < count; k++) {
    // Instance numbers follow the vendor's scan direction; geometry alone gives the true order.
    const instance = vendor.descending ? count - k : k + 1;
    const hu = volume.hu[k]!;
    const pixels = st.signed ? new Int16Array(hu.length) : new Uint16Array(hu.length);
    for (let i = 0; i < hu.length; i++) {
      const v = Math.round((hu[i]! - st.intercept) / st.slope);
      pixels[i] = v < lo ? lo : v > hi ? hi : v;
    }
    const sopUid = phantomUid(uidKey, 'instance', k);
    const z = g.zPositionsMm[k]!;
    const dataset: Record<string, unknown> = {
      ...commonAttributes({
        patient,
        sopClassUid: StorageSopClass.Ct,
        sopInstanceUid: sopUid,
        studyInstanceUid: studyUid,
        seriesInstanceUid: seriesUid,
        modality: 'CT',
        manufacturer: vendor.manufacturer,
        model: vendor.model,
        studyDescription: description.study,
        seriesDescription: description.series,
        bodyPart: description.bodyPart,
        seriesNumber: brain ? 2 : 4,
        instanceNumber: instance,
      }),
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      ...(description.contrast
        ? {
            ContrastBolusAgent: description.contrast.agent,
            ContrastBolusRoute: description.contrast.route,
            ContrastBolusVolume: description.contrast.volumeMl,
          }
        : {}),
      ScanOptions: 'HELICAL MODE',
      SliceThickness: g.sliceThicknessMm,
      KVP: vendor.kvp,
      SpacingBetweenSlices: spacing(g.zPositionsMm),
      ProtocolName: description.protocol,
      ReconstructionDiameter: round3(g.fovRadiusMm * 2),
      GantryDetectorTilt: 0,
      TableHeight: 150,
      RotationDirection: 'CW',
      ExposureTime: 1000,
      XRayTubeCurrent: Math.round(description.exposureMas),
      Exposure: Math.round(description.exposureMas),
      ConvolutionKernel: vendor.kernelName,
      PatientPosition: 'HFS',
      CTDIvol: description.ctdiVol,
      CTDIPhantomTypeCodeSequence: [
        brain
          ? { CodeValue: '113691', CodingSchemeDesignator: 'DCM', CodeMeaning: 'IEC Head Dosimetry Phantom' }
          : { CodeValue: '113690', CodingSchemeDesignator: 'DCM', CodeMeaning: 'IEC Body Dosimetry Phantom' },
      ],
      AcquisitionNumber: 1,
      PatientOrientation: '',
      ImagePositionPatient: [round3(g.originXMm), round3(g.originYMm), round3(z)],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      FrameOfReferenceUID: forUid,
      PositionReferenceIndicator: '',
      SliceLocation: round3(z),
      ImagesInAcquisition: count,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: g.matrix,
      Columns: g.matrix,
      PixelSpacing: [round6(g.pixelSpacingMm), round6(g.pixelSpacingMm)],
      BitsAllocated: 16,
      BitsStored: st.bitsStored,
      HighBit: st.bitsStored - 1,
      PixelRepresentation: st.signed ? 1 : 0,
      WindowCenter: brain ? [40, 600] : [40, 100],
      WindowWidth: brain ? [80, 2800] : [400, 700],
      WindowCenterWidthExplanation: brain ? ['BRAIN', 'BONE'] : ['MEDIASTINUM', 'CTPA'],
      RescaleIntercept: st.intercept,
      RescaleSlope: st.slope,
      RescaleType: 'HU',
      LossyImageCompression: '00',
    };
    files.push({ name: `CT_${String(instance).padStart(4, '0')}.dcm`, bytes: part10Bytes(dataset, pixels) });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { series: { studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, files: files.map((f) => f.name) }, files };
}

function spacing(z: number[]): number {
  return z.length > 1 ? round3((z[z.length - 1]! - z[0]!) / (z.length - 1)) : 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
