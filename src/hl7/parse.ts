import { VigilError } from '../core/errors.js';
import { unescapeText, type Delimiters } from './encoding.js';
import { Hl7Message, type Field, type Segment } from './message.js';

/** Longest message we agree to parse; MLLP peers send kilobytes, not megabytes. */
const MAX_MESSAGE_CHARS = 1024 * 1024;

/**
 * Parses one HL7 v2 message. Delimiters come from the message's own MSH; segments may end
 * with CR (the standard), LF or CRLF (what some peers send). Anything that is not a message
 * is an HL7_PARSE_FAILED error whose text names the problem, never the content.
 */
export function parseMessage(text: string): Hl7Message {
  if (text.length > MAX_MESSAGE_CHARS) throw fail(`message longer than ${MAX_MESSAGE_CHARS} characters`);
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
  const first = lines[0];
  if (!first || !first.startsWith('MSH')) throw fail('message does not start with an MSH segment');
  const d = readDelimiters(first);
  const segments = lines.map((line, i) => parseSegment(line, d, i + 1));
  return new Hl7Message(segments, d);
}

function readDelimiters(msh: string): Delimiters {
  const field = msh.charAt(3);
  const end = msh.indexOf(field, 4);
  const enc = end < 0 ? msh.slice(4) : msh.slice(4, end);
  if (!field || enc.length < 4) throw fail('MSH-1/MSH-2 do not declare the delimiters');
  const [component, repetition, escape, subcomponent] = [...enc];
  const d = { field, component: component!, repetition: repetition!, escape: escape!, subcomponent: subcomponent! };
  const chars = Object.values(d);
  if (new Set(chars).size !== chars.length || chars.some((c) => /[A-Za-z0-9\s]/.test(c))) {
    throw fail('MSH-1/MSH-2 declare delimiters that are repeated, alphanumeric or blank');
  }
  return d;
}

function parseSegment(line: string, d: Delimiters, lineNo: number): Segment {
  const name = line.slice(0, 3);
  if (!/^[A-Z][A-Z0-9]{2}$/.test(name) || (line.length > 3 && line.charAt(3) !== d.field)) {
    throw fail(`segment ${lineNo} does not start with a segment name`);
  }
  const raw = line.split(d.field);
  if (name === 'MSH') {
    // MSH-1 is the separator that split just consumed; MSH-2 holds the delimiters, taken whole.
    const rest = raw.slice(2).map((f) => parseField(f, d));
    return { name, fields: [[], [[[d.field]]], [[[raw[1] ?? '']]], ...rest] };
  }
  return { name, fields: [[], ...raw.slice(1).map((f) => parseField(f, d))] };
}

function parseField(text: string, d: Delimiters): Field {
  if (text === '') return [];
  return text.split(d.repetition).map((rep) => rep.split(d.component).map((comp) => comp.split(d.subcomponent).map((sub) => unescapeText(sub, d))));
}

function fail(detail: string): VigilError {
  return new VigilError('HL7_PARSE_FAILED', detail);
}
