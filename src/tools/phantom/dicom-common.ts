import dcmjs from 'dcmjs';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, TransferSyntax } from '../../dicom/data/uids.js';
import type { SyntheticPatient } from './patient.js';

/** Attributes every phantom object carries: patient, study, equipment, SOP common. */
export function commonAttributes(p: {
  patient: SyntheticPatient;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  manufacturer: string;
  model: string;
  studyDescription: string;
  seriesDescription: string;
  bodyPart: string;
  seriesNumber: number;
  instanceNumber: number;
}): Record<string, unknown> {
  const { patient } = p;
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    SOPClassUID: p.sopClassUid,
    SOPInstanceUID: p.sopInstanceUid,
    StudyDate: patient.studyDate,
    SeriesDate: patient.studyDate,
    AcquisitionDate: patient.studyDate,
    ContentDate: patient.studyDate,
    StudyTime: patient.studyTime,
    SeriesTime: patient.studyTime,
    AcquisitionTime: patient.studyTime,
    ContentTime: patient.studyTime,
    AccessionNumber: patient.accession,
    Modality: p.modality,
    Manufacturer: p.manufacturer,
    InstitutionName: 'SYNTHETIC PHANTOM HOSPITAL',
    ReferringPhysicianName: '',
    StationName: 'PHANTOM01',
    StudyDescription: p.studyDescription,
    SeriesDescription: p.seriesDescription,
    ManufacturerModelName: p.model,
    PatientName: patient.name,
    PatientID: patient.id,
    PatientBirthDate: patient.birthDate,
    PatientSex: patient.sex,
    PatientAge: `${String(patient.ageYears).padStart(3, '0')}Y`,
    PatientIdentityRemoved: 'NO',
    BodyPartExamined: p.bodyPart,
    DeviceSerialNumber: 'SYNTHETIC-0001',
    SoftwareVersions: 'vigil-phantom',
    StudyInstanceUID: p.studyInstanceUid,
    SeriesInstanceUID: p.seriesInstanceUid,
    StudyID: patient.accession.slice(-8),
    SeriesNumber: p.seriesNumber,
    InstanceNumber: p.instanceNumber,
  };
}

/** One Part 10 file (explicit VR little endian), in memory, from a naturalized data set. */
export function part10Bytes(dataset: Record<string, unknown>, pixels: Uint16Array | Int16Array | Uint8Array): Uint8Array {
  const full = {
    _meta: {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: dataset.SOPClassUID,
      MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
      TransferSyntaxUID: TransferSyntax.ExplicitVRLittleEndian,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    },
    ...dataset,
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    _vrMap: { PixelData: pixels instanceof Uint8Array ? 'OB' : 'OW' },
  };
  return new Uint8Array(dcmjs.data.datasetToDict(full).write());
}

/** A DICOM file that is not on disk yet: training feeds the bytes straight to the pipeline. */
export interface MemoryFile {
  name: string;
  bytes: Uint8Array;
}
