import type { AttributeRef, FactName } from './attributes.js';

/**
 * What a series is evaluated on: the header of one representative instance, in the DICOM JSON
 * model (tag → { vr, Value }), and facts about the whole series. Both are untrusted input (an
 * uploaded header can hold anything), so they are typed loosely and read defensively.
 */
export interface SeriesFacts {
  header: unknown;
  facts: Partial<Record<FactName, unknown>>;
}

/** One value as conditions see it: its text, and its number when the text is one. */
export interface Value {
  text: string;
  number: number | undefined;
}

export type Lookup =
  | { kind: 'absent' }
  | { kind: 'empty' }
  /** Present with values that are not text or numbers (a sequence, binary data, odd JSON). */
  | { kind: 'unreadable'; what: string }
  | { kind: 'values'; values: Value[] };

/** Free text may contain a backslash; in every other VR it separates values. */
const TEXT_VRS = new Set(['LT', 'ST', 'UT']);
/** Text that reads as a number (DS and IS values, and numbers written in rules). */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function lookup(series: SeriesFacts, ref: AttributeRef): Lookup {
  if (ref.kind === 'fact') return readFact(series.facts?.[ref.key as FactName]);
  const header = series.header;
  if (header === null || typeof header !== 'object') return { kind: 'absent' };
  const element: unknown = Object.hasOwn(header, ref.key) ? (header as Record<string, unknown>)[ref.key] : undefined;
  if (element === undefined || element === null) return { kind: 'absent' };
  if (typeof element !== 'object') return { kind: 'unreadable', what: 'not a DICOM JSON element' };
  const { vr, Value: raw } = element as { vr?: unknown; Value?: unknown };
  if (vr === 'SQ') return { kind: 'unreadable', what: 'a sequence' };
  if (raw === undefined || raw === null) {
    return 'InlineBinary' in element || 'BulkDataURI' in element ? { kind: 'unreadable', what: 'binary data' } : { kind: 'empty' };
  }
  if (!Array.isArray(raw)) return { kind: 'unreadable', what: 'not a list of values' };
  return readValues(raw, typeof vr === 'string' && TEXT_VRS.has(vr));
}

function readFact(raw: unknown): Lookup {
  if (raw === undefined || raw === null) return { kind: 'absent' };
  return readValues(Array.isArray(raw) ? raw : [raw], false);
}

function readValues(raw: unknown[], freeText: boolean): Lookup {
  const values: Value[] = [];
  let odd = 0;
  for (const item of raw) {
    const text = textOf(item);
    if (text === undefined) {
      odd += 1;
      continue;
    }
    for (const part of freeText ? [text] : text.split('\\')) {
      const trimmed = part.replace(/^[\s\0]+|[\s\0]+$/g, '');
      if (trimmed.length > 0) values.push({ text: trimmed, number: NUMBER.test(trimmed) ? Number(trimmed) : undefined });
    }
  }
  if (values.length > 0) return { kind: 'values', values };
  if (odd > 0) return { kind: 'unreadable', what: 'values that are neither text nor numbers' };
  return { kind: 'empty' };
}

/** Text of one value: strings, finite numbers, and person names in their alphabetic form. */
function textOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (typeof item === 'number') return Number.isFinite(item) ? String(item) : undefined;
  if (typeof item === 'bigint') return String(item);
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    const alphabetic = (item as { Alphabetic?: unknown }).Alphabetic;
    if (typeof alphabetic === 'string') return alphabetic;
  }
  return undefined;
}
