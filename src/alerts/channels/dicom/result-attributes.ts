import { VERSION } from '../../../core/version.js';
import type { AlertContext } from '../../context.js';

/** DICOM DA and TM (UTC; the objects say so in Timezone Offset From UTC). */
export function dicomDateTime(at: number): { date: string; time: string } {
  const iso = new Date(at).toISOString(); // 2026-11-29T10:49:11.123Z
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: `${iso.slice(11, 19).replaceAll(':', '')}.${iso.slice(20, 23)}` };
}

type KeyInstance = NonNullable<AlertContext['keyInstance']>;

/** The key image by SOP class and instance. */
export function sopReference(key: KeyInstance): Record<string, string> {
  return { ReferencedSOPClassUID: key.sopClassUid, ReferencedSOPInstanceUID: key.sopInstanceUid };
}

/**
 * The key image as the SR's IMAGE item and the SC's source image name it. A frame after the
 * first of a multi-frame object is named (Referenced Frame Number); the first frame, or a
 * single-frame image, is the object itself, which a viewer opens at its first frame anyway. (The
 * index does not keep how many frames an instance has, and a frame number pointing into a
 * single-frame image is not allowed.)
 */
export function keyImageReference(key: KeyInstance): Record<string, unknown> {
  return { ...sopReference(key), ...(key.frameNumber > 1 && { ReferencedFrameNumber: key.frameNumber }) };
}

/**
 * The modules every result object shares: SOP common, patient and study (copied from the
 * index, so the PACS files the object with its study), series, equipment. Patient data: into
 * the object only.
 */
export function resultAttributes(p: {
  context: AlertContext;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number;
  seriesDescription: string;
  instanceNumber: number;
  contentAt: number;
}): Record<string, unknown> {
  const { patient, study } = p.context;
  const content = dicomDateTime(p.contentAt);
  return {
    // UTF-8: patient names come as they were received, in any script.
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: p.sopClassUid,
    SOPInstanceUID: p.sopInstanceUid,
    TimezoneOffsetFromUTC: '+0000',
    PatientName: patient.name,
    PatientID: patient.id,
    ...(patient.issuer && { IssuerOfPatientID: patient.issuer }),
    PatientBirthDate: patient.birthDate,
    PatientSex: patient.sex,
    StudyInstanceUID: study.instanceUid,
    StudyDate: study.date,
    StudyTime: study.time,
    StudyDescription: study.description,
    AccessionNumber: study.accessionNumber,
    ReferringPhysicianName: '',
    StudyID: '',
    Modality: p.modality,
    SeriesInstanceUID: p.seriesInstanceUid,
    SeriesNumber: p.seriesNumber,
    SeriesDescription: p.seriesDescription,
    Manufacturer: 'Vigil',
    ManufacturerModelName: 'Vigil AI triage (demonstrator)',
    SoftwareVersions: VERSION,
    InstanceNumber: p.instanceNumber,
    ContentDate: content.date,
    ContentTime: content.time,
  };
}

/**
 * Instance Number for a result object: seconds since 1970 at its content time, so documents
 * about one result sort in the order they were written (IS holds it until 2038).
 */
export function instanceNumberAt(at: number): number {
  return Math.floor(at / 1000) % 2_147_483_647;
}
