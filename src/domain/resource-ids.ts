import crypto from 'node:crypto';
import type { HeaderSummary } from './header-summary.js';

/**
 * Resource ids in Orthanc's shape: the SHA-1 of the identifying UIDs from the patient down,
 * written as five groups of eight hex digits. They are stable (the same instance always gets
 * the same id, which makes a re-sent instance a no-op) and reveal no patient data.
 */
export const LEVELS = ['patients', 'studies', 'series', 'instances'] as const;
export type Level = (typeof LEVELS)[number];

export const RESOURCE_ID_PATTERN = /^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/;

export interface ResourceIds {
  patient: string;
  study: string;
  series: string;
  instance: string;
}

export function resourceIds(uids: { patientId: string; study: string; series: string; instance: string }): ResourceIds {
  const patient = hashId([uids.patientId]);
  const study = hashId([uids.patientId, uids.study]);
  const series = hashId([uids.patientId, uids.study, uids.series]);
  const instance = hashId([uids.patientId, uids.study, uids.series, uids.instance]);
  return { patient, study, series, instance };
}

function hashId(parts: string[]): string {
  const hex = crypto.createHash('sha1').update(parts.join('|')).digest('hex');
  return hex.match(/.{8}/g)!.join('-');
}

export function isResourceId(value: string): boolean {
  return RESOURCE_ID_PATTERN.test(value);
}

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

/** Ids of an instance from its header; the caller has checked that the UIDs are present. */
export function resourceIdsOf(summary: HeaderSummary): ResourceIds {
  return resourceIds({
    patientId: summary.patient.PatientID ?? '',
    study: summary.study.StudyInstanceUID ?? '',
    series: summary.series.SeriesInstanceUID ?? '',
    instance: summary.instance.SOPInstanceUID ?? '',
  });
}
