import { VigilError } from '../core/errors.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { Alert } from './model.js';

/**
 * The patient and study an alert is about, read from the index when a message is built (the
 * alert rows themselves hold no patient data). This is patient data: it goes into messages to
 * the destinations and nowhere else, never into a log.
 */
export interface AlertContext {
  patient: { id: string; issuer: string; name: string; birthDate: string; sex: string };
  study: { instanceUid: string; accessionNumber: string; date: string; time: string; description: string };
  /**
   * The image the finding's key image was made from, when it is still in the index (DICOM results
   * reference it); `frameNumber` is its frame inside a multi-frame object, 1 otherwise.
   */
  keyInstance: { sopClassUid: string; sopInstanceUid: string; seriesInstanceUid: string; frameNumber: number } | null;
}

export function loadContext(index: DicomIndex, alert: Alert): AlertContext {
  const study = index.getResource('studies', alert.studyId);
  const patient = study?.parentId ? index.getResource('patients', study.parentId) : undefined;
  if (!study || !patient) throw new VigilError('ALERT_CONTEXT_MISSING', `study ${alert.studyId} is no longer in the index`);
  const p = patient.mainTags;
  const s = study.mainTags;
  const key = alert.finding.keyInstanceId ? index.getInstance(alert.finding.keyInstanceId) : undefined;
  return {
    patient: {
      id: p.PatientID ?? '',
      issuer: p.IssuerOfPatientID ?? '',
      name: p.PatientName ?? '',
      birthDate: p.PatientBirthDate ?? '',
      sex: p.PatientSex ?? '',
    },
    study: {
      instanceUid: alert.studyInstanceUid,
      accessionNumber: alert.finding.accessionNumber ?? s.AccessionNumber ?? '',
      date: s.StudyDate ?? '',
      time: s.StudyTime ?? '',
      description: s.StudyDescription ?? '',
    },
    keyInstance: key
      ? {
          sopClassUid: key.sopClassUid,
          sopInstanceUid: key.sopInstanceUid,
          seriesInstanceUid: alert.finding.seriesInstanceUid,
          frameNumber: alert.finding.keyFrameNumber ?? 1,
        }
      : null,
  };
}
