import dcmjs from 'dcmjs';
import type { FindCriterion, TagMatch } from '../../../store/find.js';
import type { Level } from '../../../domain/resource-ids.js';
import { INSTANCE_TAGS, PATIENT_TAGS, SERIES_TAGS, STUDY_TAGS } from '../../../domain/header-summary.js';
import { QR_LEVELS, isQrLevel, modelHasLevel, type InformationModel, type QrLevel } from './information-models.js';
import { QrStatus, type QrProblem } from './qr-status.js';

/**
 * Reads a C-FIND (or C-MOVE / C-GET) identifier into what the index can search: the level,
 * criteria in find.ts's terms (the same matching POST /tools/find uses) and the keys to return.
 * Matching follows PS3.4 C.2.2.2: an empty value is universal (a return key only); `*` and `?`
 * are wildcards (not in UIDs); a backslash in a UID is a list of UIDs; `A-B`, `A-` and `-B` on
 * dates and times are ranges. Person names match without regard to case, as Orthanc does.
 */

/** Where each main tag lives in the index. */
const TAG_LEVEL = new Map<string, Level>([
  ...PATIENT_TAGS.map((k) => [k, 'patients'] as const),
  ...STUDY_TAGS.map((k) => [k, 'studies'] as const),
  ...SERIES_TAGS.map((k) => [k, 'series'] as const),
  ...INSTANCE_TAGS.map((k) => [k, 'instances'] as const),
]);

const LEVEL_ORDER: readonly Level[] = ['instances', 'series', 'studies', 'patients'];

/** Keys the node computes from the hierarchy (PS3.4 C.3.4), with the lowest level they belong to. */
export const COMPUTED_KEYS = {
  NumberOfPatientRelatedStudies: 'patients',
  NumberOfPatientRelatedSeries: 'patients',
  NumberOfPatientRelatedInstances: 'patients',
  NumberOfStudyRelatedSeries: 'studies',
  NumberOfStudyRelatedInstances: 'studies',
  ModalitiesInStudy: 'studies',
  NumberOfSeriesRelatedInstances: 'series',
} as const satisfies Record<string, Level>;
export type ComputedKey = keyof typeof COMPUTED_KEYS;

/** Keys that are part of the query, never matched against the index. */
const CONTROL_KEYS = new Set(['QueryRetrieveLevel', 'SpecificCharacterSet', '_vrMap', 'TimezoneOffsetFromUTC']);

const RANGE_VRS = new Set(['DA', 'TM', 'DT']);

export interface QueryPlan {
  level: QrLevel;
  criteria: FindCriterion[];
  /** A match on ModalitiesInStudy: a study matches when one of its series' Modality does. */
  modalitiesInStudy?: TagMatch;
  /** Every key asked for, in the identifier's order, to be answered (empty when the node does not hold it). */
  returnKeys: string[];
}

const nameMap = (dcmjs.data.DicomMetaDictionary as unknown as { nameMap: Record<string, { vr: string } | undefined> }).nameMap;

export function vrOf(keyword: string): string | undefined {
  return nameMap[keyword]?.vr;
}

/** Whether an attribute belongs to a level below this one (Modality below STUDY, for example). */
export function isBelowLevel(keyword: string, level: QrLevel): boolean {
  const computed = Object.hasOwn(COMPUTED_KEYS, keyword) ? COMPUTED_KEYS[keyword as ComputedKey] : undefined;
  const keyLevel = TAG_LEVEL.get(keyword) ?? computed;
  return keyLevel !== undefined && LEVEL_ORDER.indexOf(keyLevel) < LEVEL_ORDER.indexOf(QR_LEVELS[level]);
}

export function readIdentifier(model: InformationModel, elements: Record<string, unknown>): QueryPlan | QrProblem {
  const rawLevel = flatten(elements.QueryRetrieveLevel).trim();
  if (!isQrLevel(rawLevel)) {
    return problem(
      rawLevel === '' ? 'QueryRetrieveLevel (0008,0052) is missing' : `QueryRetrieveLevel "${clip(rawLevel)}" is not PATIENT, STUDY, SERIES or IMAGE`,
    );
  }
  if (!modelHasLevel(model, rawLevel)) return problem('the Study Root model has no PATIENT level: use Patient Root');
  const level = QR_LEVELS[rawLevel];
  const depth = LEVEL_ORDER.indexOf(level);
  const plan: QueryPlan = { level: rawLevel, criteria: [], returnKeys: [] };

  for (const [keyword, raw] of Object.entries(elements)) {
    if (CONTROL_KEYS.has(keyword)) continue;
    const computed = Object.hasOwn(COMPUTED_KEYS, keyword) ? COMPUTED_KEYS[keyword as ComputedKey] : undefined;
    const keyLevel = TAG_LEVEL.get(keyword) ?? computed;
    if (keyLevel && LEVEL_ORDER.indexOf(keyLevel) < depth) return problem(`${keyword} is below the ${rawLevel} level`);
    plan.returnKeys.push(keyword);
    const value = flatten(raw);
    if (value === '' || value === '*') continue; // universal matching: a return key only
    const vr = vrOf(keyword) ?? '';
    const match = matchOf(keyword, vr, value);
    if ('status' in match) return match;
    if (keyword === 'ModalitiesInStudy') plan.modalitiesInStudy = match;
    else if (TAG_LEVEL.has(keyword)) plan.criteria.push({ level: keyLevel!, keyword, match });
    // Any other key is an optional key the node does not hold: it is returned empty, not matched (PS3.4 C.2.2.1.3).
  }
  return plan;
}

function matchOf(keyword: string, vr: string, value: string): TagMatch | QrProblem {
  if (vr === 'UI') {
    if (/[*?]/.test(value)) return problem(`${keyword}: wildcards are not allowed in UIDs`);
    const uids = value
      .split('\\')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    return uids.length === 1 ? { kind: 'wildcard', pattern: uids[0]!, caseSensitive: true } : { kind: 'list', values: uids };
  }
  if (RANGE_VRS.has(vr) && value.includes('-')) {
    const parts = value.split('-');
    if (parts.length !== 2) return problem(`${keyword}: a range is FROM-TO, FROM- or -TO`);
    const [from, to] = parts.map((p) => p.trim());
    if (!from && !to) return problem(`${keyword}: a range needs at least one end`);
    if (from && to && from > to) return problem(`${keyword}: the range starts after it ends`);
    return { kind: 'range', from: from || null, to: to || null };
  }
  return { kind: 'wildcard', pattern: value, caseSensitive: vr !== 'PN' };
}

/** A naturalized dcmjs value as the index keeps it: a string, multiple values joined by a backslash. */
export function flatten(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(flatten).join('\\');
  if (typeof value === 'object') {
    const pn = value as { Alphabetic?: unknown };
    return pn.Alphabetic === undefined ? '' : flatten(pn.Alphabetic);
  }
  if (typeof value === 'string') return value.trim();
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : '';
}

function problem(comment: string): QrProblem {
  return { status: QrStatus.IdentifierDoesNotMatchSopClass, comment };
}

/** A value quoted in a comment is cut short (it may be anything an SCU sent). */
function clip(text: string): string {
  return text.length > 16 ? `${text.slice(0, 16)}...` : text;
}
