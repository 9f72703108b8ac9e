import crypto from 'node:crypto';
import type { DicomIndex } from '../../src/store/dicom-index.js';
import { resourceIds } from '../../src/domain/resource-ids.js';
import type { Finding } from '../../src/domain/finding.js';
import { uidFor } from './dicom-fixtures.js';

export interface SeededStudy {
  studyId: string;
  seriesId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** The one instance seedStudy records (a CT image by default); studies made by hand may leave them out. */
  instanceId?: string;
  sopInstanceUid?: string;
  accessionNumber: string;
}

export interface StudyPatient {
  patientId?: string;
  patientName?: string;
  birthDate?: string;
  sex?: string;
  accessionNumber?: string;
  /** When the study arrived (ms); now by default. */
  receivedAt?: number;
  modality?: string;
  /** The instance's SOP class; CT Image Storage by default. */
  sopClassUid?: string;
  /** More main tags of the series and of its instance (SeriesNumber, InstanceNumber, ImagePositionPatient...). */
  seriesTags?: Record<string, string>;
  instanceTags?: Record<string, string>;
}

/** Indexes one instance (no file: alerts read only the index) so a finding has a patient and study. */
export function seedStudy(index: DicomIndex, seed: string, p: StudyPatient = {}): SeededStudy {
  const study = uidFor(`${seed}-study`);
  const series = uidFor(`${seed}-series`);
  const instance = uidFor(`${seed}-instance`);
  const patientId = p.patientId ?? `PID-${seed}`;
  const accessionNumber = p.accessionNumber ?? `ACC-${seed}`;
  const ids = resourceIds({ patientId, study, series, instance });
  index.recordInstance({
    ids,
    summary: {
      patient: { PatientID: patientId, PatientName: p.patientName ?? 'DOE^JANE', PatientBirthDate: p.birthDate ?? '19700101', PatientSex: p.sex ?? 'F' },
      study: { StudyInstanceUID: study, AccessionNumber: accessionNumber, StudyDescription: 'CT HEAD WO', StudyDate: '20250115' },
      series: { SeriesInstanceUID: series, Modality: p.modality ?? 'CT', ...p.seriesTags },
      instance: { SOPInstanceUID: instance, ...p.instanceTags },
    },
    sopClassUid: p.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    filePath: `x/${seed}.dcm`,
    fileSize: 1,
    callingAeTitle: 'CT1',
    remoteAddress: '127.0.0.1',
    receivedAt: p.receivedAt ?? Date.now(),
  });
  return {
    studyId: ids.study,
    seriesId: ids.series,
    instanceId: ids.instance,
    studyInstanceUid: study,
    seriesInstanceUid: series,
    sopInstanceUid: instance,
    accessionNumber,
  };
}

/** A critical positive hemorrhage finding on a seeded study. */
export function makeFinding(study: SeededStudy, overrides: Partial<Finding> = {}): Finding {
  return {
    id: crypto.randomUUID(),
    jobId: crypto.randomUUID(),
    modelId: 'stroke',
    modelVersion: '1.0.0',
    deviceUid: '2.25.1234567890',
    studyId: study.studyId,
    seriesId: study.seriesId,
    studyInstanceUid: study.studyInstanceUid,
    seriesInstanceUid: study.seriesInstanceUid,
    accessionNumber: study.accessionNumber,
    concept: { system: 'http://snomed.info/sct', code: '50960005', display: 'Hemorrhage' },
    probability: 0.93,
    threshold: 0.62,
    operatingPoint: { name: 'high-sensitivity', sensitivity: 0.95, specificity: 0.8 },
    positive: true,
    critical: true,
    priority: 'stat',
    keyInstanceId: null,
    keySliceIndex: 12,
    keyFrameNumber: 1,
    hasKeyImage: false,
    ruleId: null,
    createdAt: Date.now(),
    timings: { queueMs: 1, decodeMs: 1, preprocessMs: 1, inferenceMs: 1 },
    ...overrides,
  };
}
