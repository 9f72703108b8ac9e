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

/**
 * The patient, study and series ids of the series seen last, by their UIDs: the instances of a
 * series arrive together, and each would otherwise hash the same three again (the receiving
 * thread computes ids for every instance). Bounded: emptied when full.
 */
const parentIds = new Map<string, Omit<ResourceIds, 'instance'>>();
const PARENT_IDS_KEPT = 256;

export function resourceIds(uids: { patientId: string; study: string; series: string; instance: string }): ResourceIds {
  // The lengths make the key one triple's only, whatever characters the values hold.
  const key = `${uids.patientId.length},${uids.study.length}:${uids.patientId}|${uids.study}|${uids.series}`;
  let parents = parentIds.get(key);
  if (!parents) {
    parents = {
      patient: hashId([uids.patientId]),
      study: hashId([uids.patientId, uids.study]),
      series: hashId([uids.patientId, uids.study, uids.series]),
    };
    if (parentIds.size >= PARENT_IDS_KEPT) parentIds.clear();
    parentIds.set(key, parents);
  }
  return { ...parents, instance: hashId([uids.patientId, uids.study, uids.series, uids.instance]) };
}

function hashId(parts: string[]): string {
  const hex = crypto.createHash('sha1').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}-${hex.slice(24, 32)}-${hex.slice(32, 40)}`;
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
