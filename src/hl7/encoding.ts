/**
 * HL7 v2 delimiters and the escape sequences that let any text travel inside a field.
 * A patient called "O'Brien|Smith^Jr" must arrive as written, not as two fields: every text
 * value passes through `escapeText` when a message is written and `unescapeText` when read.
 */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

/** `|^~\&`, what every v2.x message we write declares in MSH-1 and MSH-2. */
export const DEFAULT_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** MSH-2 as written: component, repetition, escape, subcomponent. */
export function encodingCharacters(d: Delimiters): string {
  return `${d.component}${d.repetition}${d.escape}${d.subcomponent}`;
}

/**
 * Escapes delimiters (\F\ \S\ \R\ \E\ \T\) and control characters as hexadecimal escapes
 * (\X0D\, \X1C\...): CR and LF would end the segment, and VT or FS (MLLP's frame bytes) would
 * end the frame at a receiver, which then reads the rest as noise. TAB stays as written.
 */
export function escapeText(text: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  const { pattern, codes } = escaperFor(d);
  // Most values hold nothing to escape: test first, and build a new string only when needed.
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, (ch) => {
    const code = codes[ch];
    return code ? `${d.escape}${code}${d.escape}` : `${d.escape}X${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${d.escape}`;
  });
}

interface Escaper {
  /** The delimiters, C0 controls but TAB, and DEL (single bytes in UTF-8, so one \Xhh\ each). */
  pattern: RegExp;
  codes: Readonly<Record<string, string>>;
}

/** The escaper of the default delimiters (every message we write), and a few others kept at most. */
let defaultEscaper: Escaper | undefined;
const escapers = new Map<string, Escaper>();

function escaperFor(d: Delimiters): Escaper {
  if (d === DEFAULT_DELIMITERS) return (defaultEscaper ??= makeEscaper(d));
  const key = `${d.field}${encodingCharacters(d)}`;
  let e = escapers.get(key);
  if (!e) {
    e = makeEscaper(d);
    if (escapers.size < 8) escapers.set(key, e);
  }
  return e;
}

function makeEscaper(d: Delimiters): Escaper {
  const codes = { [d.escape]: 'E', [d.field]: 'F', [d.component]: 'S', [d.repetition]: 'R', [d.subcomponent]: 'T' };
  const literal = Object.keys(codes)
    .map((c) => c.replace(/[\\\]^\-[]/g, '\\$&'))
    .join('');
  return { pattern: new RegExp(`[${literal}\\x00-\\x08\\x0a-\\x1f\\x7f]`, 'g'), codes };
}

/**
 * Reverses the escapes of a received value. Hexadecimal escapes are read as UTF-8 bytes (we
 * declare UNICODE UTF-8 in MSH-18); `\.br\` becomes a line break; highlighting (\H\, \N\) is
 * dropped; an unknown or unterminated sequence is kept as received rather than guessed at.
 */
export function unescapeText(text: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  if (!text.includes(d.escape)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf(d.escape, i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    const end = text.indexOf(d.escape, start + 1);
    if (end < 0) {
      out += text.slice(start);
      break;
    }
    const seq = text.slice(start + 1, end);
    const decoded = decodeSequence(seq, d);
    out += decoded ?? text.slice(start, end + 1);
    i = end + 1;
  }
  return out;
}

function decodeSequence(seq: string, d: Delimiters): string | undefined {
  switch (seq) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'R':
      return d.repetition;
    case 'T':
      return d.subcomponent;
    case 'E':
      return d.escape;
    case 'H':
    case 'N':
      return '';
    case '.br':
      return '\r';
    default:
      if (/^X(?:[0-9A-Fa-f]{2})+$/.test(seq)) return Buffer.from(seq.slice(1), 'hex').toString('utf8');
      return undefined;
  }
}
