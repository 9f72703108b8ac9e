import dcmjs from 'dcmjs';
import { isSensitiveKey } from '../log/redact.js';

/**
 * What a condition may look at: a DICOM attribute by keyword ("SliceThickness") or tag
 * ("(0018,0050)", "0018,0050", "00180050"), or a fact about the series or its association that
 * no single header holds. Fact names contain a dot, which no DICOM keyword does.
 */
export const FACTS = {
  'series.instanceCount': 'number of instances the series has',
  'series.imageTypes': 'every ImageType value found in any instance of the series',
  'series.orientation': 'axial, coronal, sagittal or oblique, from ImageOrientationPatient of the representative instance',
  'association.callingAeTitle': 'calling AE title(s) of the associations that sent the series',
  'association.calledAeTitle': 'the AE title the series was sent to (this node)',
} as const;

export type FactName = keyof typeof FACTS;

export interface AttributeRef {
  /** As the rule wrote it; explanations use it so IT recognises their own rule. */
  label: string;
  kind: 'tag' | 'fact';
  /** Eight upper-case hex digits for a tag (the DICOM JSON key), the fact name for a fact. */
  key: string;
  /** The dictionary keyword of a tag, when it has one (private tags do not). */
  keyword: string | undefined;
  /** Values of this attribute are patient data: explanations do not quote them. */
  patientData: boolean;
}

const TAG_FORMS = [/^\(([0-9a-f]{4}),([0-9a-f]{4})\)$/i, /^([0-9a-f]{4}),([0-9a-f]{4})$/i, /^([0-9a-f]{4})([0-9a-f]{4})$/i];
const MAX_REF_LENGTH = 64;

export function isFactName(name: string): name is FactName {
  return Object.hasOwn(FACTS, name);
}

/** Resolves a written reference; an unknown keyword or fact is an error with a suggestion. */
export function parseAttributeRef(written: string): AttributeRef | { error: string } {
  const label = written.trim();
  if (label.length === 0 || label.length > MAX_REF_LENGTH) return { error: 'must be a DICOM keyword, a tag such as (0018,0050), or a fact name' };
  if (isFactName(label)) return { label, kind: 'fact', key: label, keyword: undefined, patientData: false };
  if (label.includes('.')) {
    return { error: `unknown fact "${label}"; facts are ${Object.keys(FACTS).join(', ')}` };
  }
  for (const form of TAG_FORMS) {
    const m = form.exec(label);
    if (m) {
      const key = `${m[1]}${m[2]}`.toUpperCase();
      const keyword = keywordOfTag(key);
      return { label, kind: 'tag', key, keyword, patientData: isPatientData(key, keyword) };
    }
  }
  const entry = dcmjs.data.DicomMetaDictionary.nameMap[label];
  if (!entry) return { error: `unknown DICOM keyword "${label}"${suggestion(label)}` };
  const key = entry.tag.replace(/[(),]/g, '').toUpperCase();
  return { label, kind: 'tag', key, keyword: label, patientData: isPatientData(key, label) };
}

function keywordOfTag(key: string): string | undefined {
  const punctuated = `(${key.slice(0, 4)},${key.slice(4)})`;
  const entry = dcmjs.data.DicomMetaDictionary.dictionary[punctuated];
  return entry?.name;
}

/** Group 0010 is the patient module; the log redactor's key list covers the rest (accession...). */
function isPatientData(key: string, keyword: string | undefined): boolean {
  return key.startsWith('0010') || (keyword !== undefined && isSensitiveKey(keyword));
}

function suggestion(label: string): string {
  const names = Object.keys(dcmjs.data.DicomMetaDictionary.nameMap);
  const lower = label.toLowerCase();
  const sameCase = names.find((n) => n.toLowerCase() === lower);
  if (sameCase) return ` (did you mean ${sameCase}?)`;
  const close = names.find((n) => Math.abs(n.length - label.length) <= 2 && editDistance(n.toLowerCase(), lower, 2) <= 2);
  return close ? ` (did you mean ${close}?)` : '';
}

/** Levenshtein distance, giving up once it exceeds `limit` (enough for "did you mean"). */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      best = Math.min(best, row[j]!);
    }
    if (best > limit) return best;
    prev = row;
  }
  return prev[b.length]!;
}
