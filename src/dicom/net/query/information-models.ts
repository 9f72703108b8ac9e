import type { Level } from '../../../domain/resource-ids.js';

/** The Query/Retrieve information models the node answers (PS3.4 C.6), by SOP class UID. */
export const QrSopClass = {
  PatientRootFind: '1.2.840.10008.5.1.4.1.2.1.1',
  PatientRootMove: '1.2.840.10008.5.1.4.1.2.1.2',
  PatientRootGet: '1.2.840.10008.5.1.4.1.2.1.3',
  StudyRootFind: '1.2.840.10008.5.1.4.1.2.2.1',
  StudyRootMove: '1.2.840.10008.5.1.4.1.2.2.2',
  StudyRootGet: '1.2.840.10008.5.1.4.1.2.2.3',
} as const;

export const QR_SOP_CLASSES: readonly string[] = Object.values(QrSopClass);

export type InformationModel = 'patient-root' | 'study-root';

export function informationModelOf(sopClassUid: string): InformationModel | undefined {
  switch (sopClassUid) {
    case QrSopClass.PatientRootFind:
    case QrSopClass.PatientRootMove:
    case QrSopClass.PatientRootGet:
      return 'patient-root';
    case QrSopClass.StudyRootFind:
    case QrSopClass.StudyRootMove:
    case QrSopClass.StudyRootGet:
      return 'study-root';
    default:
      return undefined;
  }
}

/** QueryRetrieveLevel (0008,0052) values and the index level each searches. */
export const QR_LEVELS = { PATIENT: 'patients', STUDY: 'studies', SERIES: 'series', IMAGE: 'instances' } as const satisfies Record<string, Level>;
export type QrLevel = keyof typeof QR_LEVELS;

export function isQrLevel(value: string): value is QrLevel {
  return Object.hasOwn(QR_LEVELS, value);
}

/** The levels each model has: the Study Root model has no PATIENT level (PS3.4 C.6.2). */
export function modelHasLevel(model: InformationModel, level: QrLevel): boolean {
  return model === 'patient-root' || level !== 'PATIENT';
}
