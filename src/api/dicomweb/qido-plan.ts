import dcmjs from 'dcmjs';
import type { Request } from 'express';
import { VigilError } from '../../core/errors.js';
import { isBelowLevel, readIdentifier, vrOf, COMPUTED_KEYS, type QueryPlan } from '../../dicom/net/query/identifier.js';
import type { QrLevel } from '../../dicom/net/query/information-models.js';
import { INSTANCE_TAGS, PATIENT_TAGS, SERIES_TAGS, STUDY_TAGS } from '../../domain/header-summary.js';

/** Attributes QIDO-RS returns at each level without includefield (PS3.18 Table 6.7.1-2, those the index holds). */
const DEFAULT_FIELDS: Record<Exclude<QrLevel, 'PATIENT'>, readonly string[]> = {
  STUDY: [
    'StudyDate',
    'StudyTime',
    'AccessionNumber',
    'ModalitiesInStudy',
    'ReferringPhysicianName',
    'PatientName',
    'PatientID',
    'PatientBirthDate',
    'PatientSex',
    'StudyInstanceUID',
    'StudyID',
    'StudyDescription',
    'NumberOfStudyRelatedSeries',
    'NumberOfStudyRelatedInstances',
  ],
  SERIES: ['StudyInstanceUID', 'Modality', 'SeriesDescription', 'SeriesNumber', 'SeriesInstanceUID', 'NumberOfSeriesRelatedInstances'],
  IMAGE: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPClassUID', 'SOPInstanceUID', 'InstanceNumber', 'Rows', 'Columns', 'NumberOfFrames'],
};

/** includefield=all: every main tag at the level and above, and the level's computed keys. */
const ALL_FIELDS: Record<Exclude<QrLevel, 'PATIENT'>, readonly string[]> = {
  STUDY: [...PATIENT_TAGS, ...STUDY_TAGS, 'ModalitiesInStudy', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances'],
  SERIES: [...SERIES_TAGS, 'StudyInstanceUID', 'NumberOfSeriesRelatedInstances'],
  IMAGE: [...INSTANCE_TAGS, 'StudyInstanceUID', 'SeriesInstanceUID'],
};

const CONTROL = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);
const DEFAULT_LIMIT = 100;

const dictionary = dcmjs.data.DicomMetaDictionary as unknown as {
  nameMap: Record<string, { tag: string } | undefined>;
  dictionary: Record<string, { name: string } | undefined>;
};

export interface QidoRequest {
  plan: QueryPlan;
  offset: number;
  limit: number;
  /** The limit asked for was above maxResults and was lowered to it. */
  capped: boolean;
}

/**
 * A QIDO-RS query string read into the same plan as a C-FIND identifier (identifier.ts), so that
 * DICOMweb and DIMSE match alike. Keys are keywords or tags (`PatientName`, `00100010`); a key
 * the dictionary does not know, a sequence path, or a value the model refuses is a 400 problem.
 * `limit` is capped at `maxResults` (dicom.queryRetrieve.maxResults).
 */
export function qidoRequest(req: Request, level: Exclude<QrLevel, 'PATIENT'>, fixed: Record<string, string>, maxResults: number): QidoRequest {
  const identifier: Record<string, unknown> = { QueryRetrieveLevel: level };
  for (const key of DEFAULT_FIELDS[level]) identifier[key] = '';
  let offset = 0;
  let limit = DEFAULT_LIMIT;
  for (const [key, raw] of Object.entries(req.query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (key === 'limit' || key === 'offset') {
      if (values.length !== 1 || !/^\d{1,9}$/.test(values[0]!)) throw bad(`${key} must be a non-negative whole number, given once`);
      if (key === 'limit') limit = Number(values[0]);
      else offset = Number(values[0]);
      continue;
    }
    if (key === 'fuzzymatching') continue; // not supported: matching stays exact, which the standard allows
    if (key === 'includefield') {
      for (const field of values.flatMap((v) => v.split(','))) {
        if (field === 'all') for (const k of ALL_FIELDS[level]) identifier[k] ??= '';
        else {
          // A field of a lower level (OHIF's study list asks for Modality) has no one value
          // here: it is left out of the answer, not refused; as a matching key it is a 400.
          const keyword = keywordOf(field);
          if (!isBelowLevel(keyword, level)) identifier[keyword] ??= '';
        }
      }
      continue;
    }
    if (CONTROL.has(key)) continue;
    if (values.length !== 1) throw bad(`${clip(key)} must be given once`);
    const keyword = keywordOf(key);
    // QIDO-RS lists UIDs with commas or backslashes (PS3.18 8.3.4.1); the identifier with backslashes.
    identifier[keyword] = vrOf(keyword) === 'UI' ? values[0]!.replaceAll(',', '\\') : values[0];
  }
  if (limit === 0) throw bad('limit must be at least 1');
  for (const [keyword, value] of Object.entries(fixed)) identifier[keyword] = value;
  const plan = readIdentifier('study-root', identifier);
  if ('status' in plan) throw bad(plan.comment);
  return { plan, offset, limit: Math.min(limit, maxResults), capped: limit > maxResults };
}

/** A keyword, or the keyword of a tag given as eight hex digits. */
function keywordOf(key: string): string {
  if (/^[0-9A-Fa-f]{8}$/.test(key)) {
    const tag = `(${key.slice(0, 4)},${key.slice(4)})`.toUpperCase();
    const entry = dictionary.dictionary[tag];
    if (entry) return entry.name;
  } else if (dictionary.nameMap[key] || Object.hasOwn(COMPUTED_KEYS, key)) {
    return key;
  }
  throw bad(`${clip(key)} is not a DICOM attribute keyword or tag this node can search (sequence paths are not supported)`);
}

function bad(detail: string): VigilError {
  return new VigilError('DICOMWEB_BAD_QUERY', detail);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
