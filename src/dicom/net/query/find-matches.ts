import type { Db } from '../../../db/database.js';
import type { DicomIndex } from '../../../store/dicom-index.js';
import { matcher } from '../../../store/find.js';
import type { QueryPlan } from './identifier.js';
import { QR_LEVELS } from './information-models.js';

const PAGE = 500;

/**
 * Ids of the resources a plan matches, at most `limit`, in the index's order. The main tags are
 * matched by the index (find.ts); ModalitiesInStudy, which no single row holds, is checked here
 * against the Modality of the study's series.
 */
export function findMatches(db: Db, index: DicomIndex, plan: QueryPlan, limit: number, offset = 0): string[] {
  const level = QR_LEVELS[plan.level];
  if (!plan.modalitiesInStudy) return index.find({ level, criteria: plan.criteria, since: offset, limit });
  const check = matcher(plan.modalitiesInStudy);
  const modalities = db.prepare<[string], { modality: string | null }>('SELECT modality FROM series WHERE study_ref = ?');
  const found: string[] = [];
  let skipped = 0;
  for (let since = 0; found.length < limit; since += PAGE) {
    const page = index.find({ level, criteria: plan.criteria, since, limit: PAGE });
    for (const id of page) {
      if (!modalities.all(id).some((row) => check(row.modality))) continue;
      if (skipped < offset) skipped += 1;
      else found.push(id);
      if (found.length >= limit) break;
    }
    if (page.length < PAGE) break;
  }
  return found;
}
