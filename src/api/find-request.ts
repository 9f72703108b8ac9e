import { z } from 'zod';
import { VigilError } from '../core/errors.js';
import { INSTANCE_TAGS, PATIENT_TAGS, SERIES_TAGS, STUDY_TAGS } from '../domain/header-summary.js';
import type { FindCriterion, FindQuery, TagMatch } from '../store/find.js';
import type { Level } from '../domain/resource-ids.js';

/** Orthanc's level names, and the main tags a query may name at each (its own and its parents'). */
const LEVEL_NAMES: Record<string, Level> = { patient: 'patients', study: 'studies', series: 'series', instance: 'instances' };
const TAGS_OF: Record<Level, readonly string[]> = {
  patients: PATIENT_TAGS,
  studies: STUDY_TAGS,
  series: SERIES_TAGS,
  instances: INSTANCE_TAGS,
};
const ABOVE: Record<Level, readonly Level[]> = {
  patients: ['patients'],
  studies: ['studies', 'patients'],
  series: ['series', 'studies', 'patients'],
  instances: ['instances', 'series', 'studies', 'patients'],
};
/** Person names match whatever the case, as Orthanc does by default (CaseSensitivePN false). */
const PERSON_NAMES = new Set(['PatientName', 'ReferringPhysicianName']);
const DATE_RANGE = /^(\d{8})?-(\d{8})?$/;

export const DEFAULT_FIND_LIMIT = 100;
export const MAX_FIND_LIMIT = 1000;

const body = z.strictObject({
  Level: z.string(),
  Query: z.record(
    z.string().max(64),
    z
      .string()
      .max(256)
      .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed'),
  ),
  Expand: z.boolean().optional(),
  Limit: z.number().int().min(1).max(MAX_FIND_LIMIT).optional(),
  Since: z.number().int().min(0).max(1_000_000_000).optional(),
  CaseSensitive: z.boolean().optional(),
});

/**
 * Reads an Orthanc /tools/find body: `{ Level, Query: { Keyword: value }, Expand?, Limit?,
 * Since?, CaseSensitive? }`. Values use DICOM matching: `*` and `?` wildcards, an empty value or
 * `*` matches anything, `YYYYMMDD-YYYYMMDD` (either end open) is a range for dates. Anything
 * else Orthanc accepts but we do not is a 400 that names it, never silently ignored.
 */
export function parseFindRequest(input: unknown): { query: FindQuery; expand: boolean } {
  const parsed = body.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new VigilError('BAD_REQUEST', `invalid /tools/find request: ${problems.join('; ')}`, { extra: { problems } });
  }
  const request = parsed.data;
  const level = LEVEL_NAMES[request.Level.toLowerCase()];
  if (!level) throw new VigilError('BAD_REQUEST', 'Level must be Patient, Study, Series or Instance');
  const criteria: FindCriterion[] = [];
  for (const [keyword, value] of Object.entries(request.Query)) {
    const owner = ABOVE[level].find((l) => TAGS_OF[l].includes(keyword));
    if (!owner) {
      throw new VigilError('BAD_REQUEST', `"${keyword.slice(0, 64)}" cannot be searched at level ${request.Level}`, {
        extra: { allowed: ABOVE[level].flatMap((l) => TAGS_OF[l]) },
      });
    }
    const match = matchOf(keyword, value, request.CaseSensitive ?? true);
    if (match) criteria.push({ level: owner, keyword, match });
  }
  return {
    query: { level, criteria, since: request.Since ?? 0, limit: request.Limit ?? DEFAULT_FIND_LIMIT },
    expand: request.Expand ?? false,
  };
}

/** How to match one value; undefined for a universal match (empty or `*`). */
function matchOf(keyword: string, value: string, caseSensitive: boolean): TagMatch | undefined {
  if (value === '' || /^\*+$/.test(value)) return undefined;
  if (keyword.endsWith('Date')) {
    const range = DATE_RANGE.exec(value);
    if (range) return { kind: 'range', from: range[1] ?? null, to: range[2] ?? null };
  }
  return { kind: 'wildcard', pattern: value, caseSensitive: caseSensitive && !PERSON_NAMES.has(keyword) };
}
