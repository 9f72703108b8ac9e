import { DEFAULT_DELIMITERS, encodingCharacters, escapeText, type Delimiters } from './encoding.js';

/**
 * The HL7 v2 message model: a message is segments; a field is repetitions of components of
 * subcomponents. Values held here are plain (unescaped) text; `toString` escapes them, the
 * parser unescapes them, so code that builds or reads messages never sees an escape sequence.
 */
export type Field = string[][][];

export interface Segment {
  /** Three characters: MSH, PID, OBR... */
  name: string;
  /** `fields[n]` is field n (1-based, as the standard numbers them); `fields[0]` is unused. */
  fields: Field[];
}

/** What a builder may give for a field: text, components (each text or subcomponents), or repetitions. */
export type Component = string | readonly string[];
export type Repetition = string | readonly Component[];
export type FieldInput = Repetition | { readonly repeat: readonly Repetition[] } | null | undefined;

/**
 * Builds a segment from fields keyed by their number, as the standard writes them
 * (`segment('PID', { 3: [id, '', '', issuer, 'MR'], 8: sex })`). Missing fields are empty.
 */
export function segment(name: string, fields: Readonly<Record<number, FieldInput>>): Segment {
  if (!/^[A-Z][A-Z0-9]{2}$/.test(name)) throw new Error(`bad segment name ${name}`);
  if (name === 'MSH') throw new Error('build MSH with mshSegment()');
  return { name, fields: toFields(name, fields) };
}

/** MSH, whose first two fields are the delimiters themselves and are never escaped. */
export function mshSegment(fields: Readonly<Record<number, FieldInput>>, d: Delimiters = DEFAULT_DELIMITERS): Segment {
  const seg: Segment = { name: 'MSH', fields: toFields('MSH', fields) };
  while (seg.fields.length < 3) seg.fields.push([]);
  seg.fields[1] = [[[d.field]]];
  seg.fields[2] = [[[encodingCharacters(d)]]];
  return seg;
}

function toFields(name: string, fields: Readonly<Record<number, FieldInput>>): Field[] {
  const out: Field[] = [[]];
  for (const [key, value] of Object.entries(fields)) {
    const n = Number(key);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bad field number ${key} in ${name}`);
    while (out.length <= n) out.push([]);
    out[n] = toField(value);
  }
  return out;
}

function toField(value: FieldInput): Field {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object' && 'repeat' in value) return value.repeat.map(toRepetition);
  return [toRepetition(value)];
}

function toRepetition(rep: Repetition): string[][] {
  if (typeof rep === 'string') return [[rep]];
  return rep.map((c) => (typeof c === 'string' ? [c] : [...c]));
}

export class Hl7Message {
  constructor(
    readonly segments: Segment[],
    readonly delimiters: Delimiters = DEFAULT_DELIMITERS,
  ) {}

  /** The first segment with this name. */
  segment(name: string): Segment | undefined {
    return this.segments.find((s) => s.name === name);
  }

  all(name: string): Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /** One value by position, all numbers 1-based as in "MSA-2" or "PID-3.4"; '' when absent. */
  get(name: string, field: number, component = 1, subcomponent = 1, repetition = 1): string {
    return valueOf(this.segment(name), field, component, subcomponent, repetition);
  }

  /** Message type (MSH-9.1^MSH-9.2) and control id (MSH-10), the facts a router needs. */
  get type(): string {
    const event = this.get('MSH', 9, 2);
    return event ? `${this.get('MSH', 9, 1)}^${event}` : this.get('MSH', 9, 1);
  }

  get controlId(): string {
    return this.get('MSH', 10);
  }

  /** The wire form: segments ended by CR, values escaped, trailing empty parts trimmed. */
  toString(): string {
    return this.segments.map((s) => encodeSegment(s, this.delimiters)).join('\r') + '\r';
  }
}

export function valueOf(seg: Segment | undefined, field: number, component = 1, subcomponent = 1, repetition = 1): string {
  return seg?.fields[field]?.[repetition - 1]?.[component - 1]?.[subcomponent - 1] ?? '';
}

function encodeSegment(seg: Segment, d: Delimiters): string {
  const isMsh = seg.name === 'MSH';
  const parts: string[] = [];
  // MSH-1 is the separator itself, so MSH's field list starts at MSH-2.
  for (let n = isMsh ? 2 : 1; n < seg.fields.length; n++) {
    const field = seg.fields[n] ?? [];
    if (isMsh && n === 2) parts.push(field[0]?.[0]?.[0] ?? encodingCharacters(d));
    else parts.push(encodeField(field, d));
  }
  return trimEnd([seg.name, ...parts], d.field);
}

function encodeField(field: Field, d: Delimiters): string {
  return joinTrimmed(field, d.repetition, (rep) => joinTrimmed(rep, d.component, (comp) => joinTrimmed(comp, d.subcomponent, (sub) => escapeText(sub, d))));
}

/** Joins with the separator, dropping empty trailing parts ("A^^" is written "A"). */
function trimEnd(parts: string[], sep: string): string {
  return joinTrimmed(parts, sep, (p) => p);
}

/** Encodes each part and joins them, without the empty ones at the end; no arrays in between (this runs for every value written). */
function joinTrimmed<T>(parts: readonly T[], sep: string, encode: (part: T) => string): string {
  let out = '';
  let owed = ''; // separators of the empty parts since the last one written: written only if a value follows
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) owed += sep;
    const text = encode(parts[i]!);
    if (text !== '') {
      out += owed + text;
      owed = '';
    }
  }
  return out;
}
