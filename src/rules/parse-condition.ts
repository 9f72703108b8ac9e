import { parseAttributeRef } from './attributes.js';
import { COMBINATORS, PRESENCE_TESTS, VALUE_TESTS, type Condition, type Literal, type RuleProblem } from './language.js';
import { compileSafeRegex } from './safe-regex.js';

/**
 * Reads a written condition into a Condition, collecting every problem with its path rather
 * than stopping at the first. Written forms (config/README.md has the guide):
 *   { all: [...] }  { any: [...] }  { not: {...} }
 *   { attr: Modality, equals: CT }   { attr: BodyPartExamined, oneOf: [HEAD, BRAIN] }
 *   { attr: SeriesDescription, matches: 'ctpa|angio' }   { attr: SliceThickness, range: { max: 5 } }
 *   { present: ContrastBolusAgent }  { absent: ContrastBolusAgent }
 * Depth and size are bounded so that a document sent to the API cannot exhaust the stack.
 */
const MAX_DEPTH = 12;
const MAX_LIST = 200;
const MAX_TEXT = 256;
const ALL_KEYS = ['attr', ...VALUE_TESTS, ...PRESENCE_TESTS, ...COMBINATORS];

export function parseCondition(raw: unknown, path: string, problems: RuleProblem[], depth = 0): Condition | undefined {
  const problem = (where: string, message: string): undefined => {
    problems.push({ path: where, message });
    return undefined;
  };
  if (depth > MAX_DEPTH) return problem(path, `conditions may be nested at most ${MAX_DEPTH} deep`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return problem(path, `must be a condition (a mapping with one of: ${ALL_KEYS.join(', ')})`);
  }
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  const unknown = keys.filter((k) => !ALL_KEYS.includes(k));
  if (unknown.length > 0) return problem(`${path}.${unknown[0]}`, `unknown key "${unknown[0]}"; a condition uses ${ALL_KEYS.join(', ')}`);

  const combinator = COMBINATORS.find((k) => k in obj);
  if (combinator) {
    if (keys.length !== 1) return problem(path, `"${combinator}" must be the only key of its condition`);
    if (combinator === 'not') {
      const of = parseCondition(obj.not, `${path}.not`, problems, depth + 1);
      return of && { op: 'not', of };
    }
    const list = obj[combinator];
    if (!Array.isArray(list)) return problem(`${path}.${combinator}`, 'must be a list of conditions');
    if (combinator === 'any' && list.length === 0) return problem(`${path}.any`, 'needs at least one condition');
    if (list.length > MAX_LIST) return problem(`${path}.${combinator}`, `may hold at most ${MAX_LIST} conditions`);
    const of = list.map((item, i) => parseCondition(item, `${path}.${combinator}.${i}`, problems, depth + 1));
    return of.every((c): c is Condition => c !== undefined) ? { op: combinator, of } : undefined;
  }

  const presence = PRESENCE_TESTS.find((k) => k in obj);
  if (presence) {
    if (keys.length !== 1) return problem(path, `"${presence}" takes an attribute and stands alone, e.g. { ${presence}: ContrastBolusAgent }`);
    const attr = attributeAt(obj[presence], `${path}.${presence}`, problems);
    return attr && { op: presence, attr };
  }

  const tests = VALUE_TESTS.filter((k) => k in obj);
  if (!('attr' in obj)) return problem(path, `needs "attr", the attribute that ${tests[0] ?? 'the test'} looks at`);
  if (tests.length !== 1) return problem(path, `needs exactly one test beside "attr": one of ${VALUE_TESTS.join(', ')}`);
  const attr = attributeAt(obj.attr, `${path}.attr`, problems);
  const test = tests[0]!;
  const at = `${path}.${test}`;
  const value = obj[test];
  switch (test) {
    case 'equals': {
      const lit = literalAt(value, at, problems);
      return attr && lit !== undefined ? { op: 'equals', attr, value: lit } : undefined;
    }
    case 'oneOf': {
      if (!Array.isArray(value) || value.length === 0) return problem(at, 'must be a non-empty list of values');
      if (value.length > MAX_LIST) return problem(at, `may hold at most ${MAX_LIST} values`);
      const values = value.map((v, i) => literalAt(v, `${at}.${i}`, problems));
      return attr && values.every((v): v is Literal => v !== undefined) ? { op: 'oneOf', attr, values } : undefined;
    }
    case 'matches': {
      if (typeof value !== 'string') return problem(at, 'must be a regular expression, as text');
      const regex = compileSafeRegex(value);
      if ('error' in regex) return problem(at, regex.error);
      return attr && { op: 'matches', attr, regex };
    }
    case 'range':
      return rangeAt(value, at, problems, attr);
    default:
      return test satisfies never;
  }
}

function rangeAt(value: unknown, at: string, problems: RuleProblem[], attr: ReturnType<typeof attributeAt>): Condition | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: at, message: 'must be a mapping with min and/or max, e.g. { max: 5 }' });
    return undefined;
  }
  const { min, max, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) problems.push({ path: `${at}.${extra[0]}`, message: 'a range has only min and max (both inclusive)' });
  const bound = (v: unknown, key: string): number | undefined | null => {
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    problems.push({ path: `${at}.${key}`, message: 'must be a number' });
    return null;
  };
  const lo = bound(min, 'min');
  const hi = bound(max, 'max');
  if (lo === undefined && hi === undefined) problems.push({ path: at, message: 'needs min, max or both' });
  if (typeof lo === 'number' && typeof hi === 'number' && lo > hi)
    problems.push({ path: at, message: `min (${lo}) is greater than max (${hi}): nothing can match` });
  if (!attr || lo === null || hi === null || extra.length > 0 || (lo === undefined && hi === undefined)) return undefined;
  if (lo !== undefined && hi !== undefined && lo > hi) return undefined;
  return { op: 'range', attr, min: lo, max: hi };
}

function attributeAt(value: unknown, at: string, problems: RuleProblem[]) {
  if (typeof value !== 'string') {
    problems.push({ path: at, message: 'must be a DICOM keyword, a tag such as (0018,0050), or a fact name' });
    return undefined;
  }
  const ref = parseAttributeRef(value);
  if ('error' in ref) {
    problems.push({ path: at, message: ref.error });
    return undefined;
  }
  return ref;
}

function literalAt(value: unknown, at: string, problems: RuleProblem[]): Literal | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length <= MAX_TEXT) return value;
  problems.push({ path: at, message: typeof value === 'string' ? `may be at most ${MAX_TEXT} characters` : 'must be text or a number' });
  return undefined;
}
