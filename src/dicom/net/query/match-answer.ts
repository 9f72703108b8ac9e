import type { Db } from '../../../db/database.js';
import type { DicomIndex } from '../../../store/dicom-index.js';
import type { Level } from '../../../domain/resource-ids.js';
import { COMPUTED_KEYS, vrOf, type ComputedKey, type QueryPlan } from './identifier.js';
import { QR_LEVELS } from './information-models.js';

/** The unique keys returned with every match, whether asked for or not (PS3.4 C.4.1.2.3.1). */
const UNIQUE_KEYS: Record<Level, string> = {
  patients: 'PatientID',
  studies: 'StudyInstanceUID',
  series: 'SeriesInstanceUID',
  instances: 'SOPInstanceUID',
};
const UP: readonly Level[] = ['instances', 'series', 'studies', 'patients'];

/** Counts under one resource, by fixed SQL (the level picks the statement, never input). */
const COUNT_SQL: Record<Exclude<ComputedKey, 'ModalitiesInStudy'>, string> = {
  NumberOfPatientRelatedStudies: 'SELECT COUNT(*) AS n FROM studies WHERE patient_ref = ?',
  NumberOfPatientRelatedSeries: 'SELECT COUNT(*) AS n FROM series s JOIN studies st ON s.study_ref = st.id WHERE st.patient_ref = ?',
  NumberOfPatientRelatedInstances:
    'SELECT COUNT(*) AS n FROM instances i JOIN series s ON i.series_ref = s.id JOIN studies st ON s.study_ref = st.id WHERE st.patient_ref = ?',
  NumberOfStudyRelatedSeries: 'SELECT COUNT(*) AS n FROM series WHERE study_ref = ?',
  NumberOfStudyRelatedInstances: 'SELECT COUNT(*) AS n FROM instances i JOIN series s ON i.series_ref = s.id WHERE s.study_ref = ?',
  NumberOfSeriesRelatedInstances: 'SELECT COUNT(*) AS n FROM instances WHERE series_ref = ?',
};

/**
 * The identifier answered for one match: every key asked for, valued from the main tags of the
 * resource and of the resources above it (empty when the node does not hold it), the computed
 * counts, the level and the unique keys from the level up. Values become dcmjs's naturalized
 * form for their VR; a value outside ASCII makes the answer UTF-8 (ISO_IR 192).
 */
export function matchAnswer(db: Db, index: DicomIndex, plan: QueryPlan, id: string): Record<string, unknown> {
  const level = QR_LEVELS[plan.level];
  const tags: Record<string, string> = {};
  const idAt = new Map<Level, string>();
  let current: { level: Level; id: string | null } = { level, id };
  for (let k = UP.indexOf(level); k < UP.length && current.id; k++) {
    const resource = index.getResource(UP[k]!, current.id);
    if (!resource) break;
    idAt.set(UP[k]!, resource.id);
    for (const [key, value] of Object.entries(resource.mainTags)) tags[key] ??= value;
    current = { level: UP[k + 1]!, id: resource.parentId };
  }

  const keys = [...plan.returnKeys];
  for (let k = UP.indexOf(level); k < UP.length; k++) {
    const unique = UNIQUE_KEYS[UP[k]!];
    // Patient Root answers carry PatientID; Study Root answers stop at the study.
    if (UP[k] === 'patients' && plan.level !== 'PATIENT' && !keys.includes(unique)) continue;
    if (!keys.includes(unique)) keys.push(unique);
  }
  const answer: Record<string, unknown> = { QueryRetrieveLevel: plan.level };
  let ascii = true;
  for (const key of keys) {
    const computed = Object.hasOwn(COMPUTED_KEYS, key) ? (key as ComputedKey) : undefined;
    const text = computed ? computedValue(db, computed, idAt) : (tags[key] ?? '');
    if (!/^\p{ASCII}*$/u.test(text)) ascii = false;
    answer[key] = naturalized(key, text);
  }
  if (!ascii) answer.SpecificCharacterSet = 'ISO_IR 192';
  return answer;
}

function computedValue(db: Db, key: ComputedKey, idAt: Map<Level, string>): string {
  const owner = idAt.get(COMPUTED_KEYS[key]);
  if (!owner) return '';
  if (key === 'ModalitiesInStudy') {
    const rows = db
      .prepare<[string], { modality: string }>('SELECT DISTINCT modality FROM series WHERE study_ref = ? AND modality IS NOT NULL ORDER BY modality')
      .all(owner);
    return rows.map((r) => r.modality).join('\\');
  }
  return String(db.prepare<[string], { n: number }>(COUNT_SQL[key]).get(owner)!.n);
}

/** A flattened value in the form dcmjs writes for the keyword's VR. */
function naturalized(keyword: string, text: string): unknown {
  const vr = vrOf(keyword);
  if (text === '') return '';
  const values = text.split('\\');
  switch (vr) {
    case 'PN':
      return values.map((v) => ({ Alphabetic: v }));
    case 'US':
    case 'UL':
    case 'SS':
    case 'SL':
    case 'IS':
    case 'DS': {
      const numbers = values.map(Number);
      return numbers.every(Number.isFinite) ? (numbers.length === 1 ? numbers[0] : numbers) : '';
    }
    default:
      return values.length === 1 ? values[0] : values;
  }
}
