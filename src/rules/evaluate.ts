import { describeLookup, literal, rangeText, type DescribeOptions } from './describe.js';
import { lookup, NUMBER, type SeriesFacts, type Value } from './facts.js';
import type { AttributeTest, Condition, Literal } from './language.js';
import { MAX_INPUT_LENGTH } from './safe-regex.js';

/**
 * Evaluates a condition tree on one series. It never throws: a missing, empty, multi-valued or
 * oddly typed value is simply a reason for "no match", and the outcome says which.
 *
 * Value tests hold when ANY value of a multi-valued attribute passes (as in DICOM matching), so
 * `ImageType equals LOCALIZER` holds for ORIGINAL\PRIMARY\LOCALIZER. Text compares ignoring case
 * and surrounding spaces; when both sides are numbers they compare as numbers ("5.0" equals 5).
 */
export interface Outcome {
  matched: boolean;
  /** One sentence a person can read: why the condition holds or not. */
  because: string;
  /** The parts of all/any/not, in rule order. */
  parts?: Outcome[];
}

interface LeafOutcome extends Outcome {
  /** What the series has ("SliceThickness is 7.5"), what the test wants, and its opposite. */
  fact: string;
  wanted: string;
  unwanted: string;
}

export function evaluateCondition(condition: Condition, series: SeriesFacts, opts: DescribeOptions = {}): Outcome {
  switch (condition.op) {
    case 'all': {
      const parts = condition.of.map((c) => evaluateCondition(c, series, opts));
      const failed = parts.filter((p) => !p.matched);
      if (failed.length === 0) {
        return { matched: true, because: parts.length === 0 ? 'no conditions: every series matches' : `all ${parts.length} conditions hold`, parts };
      }
      return { matched: false, because: failed.map((p) => p.because).join('; '), parts };
    }
    case 'any': {
      const parts = condition.of.map((c) => evaluateCondition(c, series, opts));
      const hit = parts.find((p) => p.matched);
      if (hit) return { matched: true, because: hit.because, parts };
      return { matched: false, because: `none of ${parts.length} alternatives holds (${parts.map((p) => p.because).join('; ')})`, parts };
    }
    case 'not': {
      const inner = evaluateCondition(condition.of, series, opts);
      if (isLeaf(inner)) {
        // Negating a test swaps what it wants: "the rule wants no value equal to LOCALIZER".
        const because = inner.matched ? `${inner.fact}, the rule wants ${inner.unwanted}` : `${inner.fact}, as wanted (${inner.unwanted})`;
        return { matched: !inner.matched, because, parts: [inner] };
      }
      const because = inner.matched ? `the rule wants this not to hold: ${inner.because}` : `as wanted, this does not hold: ${inner.because}`;
      return { matched: !inner.matched, because, parts: [inner] };
    }
    default:
      return testAttribute(condition, series, opts);
  }
}

function isLeaf(outcome: Outcome): outcome is LeafOutcome {
  return 'fact' in outcome;
}

function testAttribute(test: AttributeTest, series: SeriesFacts, opts: DescribeOptions): LeafOutcome {
  const found = lookup(series, test.attr);
  const fact = describeLookup(test.attr, found, opts);
  const values = found.kind === 'values' ? found.values : [];
  let matched: boolean;
  let wanted: string;
  let unwanted: string;
  let note = '';
  switch (test.op) {
    case 'present':
      matched = found.kind === 'values' || found.kind === 'unreadable';
      [wanted, unwanted] = ['a value', 'no value'];
      break;
    case 'absent':
      matched = found.kind === 'absent' || found.kind === 'empty';
      [wanted, unwanted] = ['no value', 'a value'];
      break;
    case 'equals':
      matched = values.some((v) => same(v, test.value));
      [wanted, unwanted] = [literal(test.value), `no value equal to ${literal(test.value)}`];
      break;
    case 'oneOf': {
      const list = test.values.map(literal).join(', ');
      matched = values.some((v) => test.values.some((l) => same(v, l)));
      [wanted, unwanted] = [`one of ${list}`, `none of ${list}`];
      break;
    }
    case 'matches':
      matched = values.some((v) => test.regex.test(v.text));
      [wanted, unwanted] = [`text matching /${test.regex.source}/`, `no text matching /${test.regex.source}/`];
      if (!matched && values.some((v) => v.text.length > MAX_INPUT_LENGTH)) note = ` (values longer than ${MAX_INPUT_LENGTH} characters are not tested)`;
      break;
    case 'range': {
      const numbers = values.filter((v) => v.number !== undefined);
      matched = numbers.some((v) => inRange(v.number!, test.min, test.max));
      wanted = rangeText(test.min, test.max);
      unwanted = `no value ${wanted}`;
      if (values.length > 0 && numbers.length === 0) note = ', which is not a number';
      break;
    }
    default:
      return test satisfies never;
  }
  const because = matched ? `${fact}, as wanted (${wanted})` : `${fact}${note}, the rule wants ${wanted}`;
  return { matched, because, fact: `${fact}${note}`, wanted, unwanted };
}

/** Whether a value equals a literal in the rule's sense (numbers as numbers, text ignoring case). */
export function same(value: Value, expected: Literal): boolean {
  if (typeof expected === 'number' || NUMBER.test(expected.trim())) {
    const n = typeof expected === 'number' ? expected : Number(expected.trim());
    if (value.number !== undefined) return value.number === n;
  }
  return value.text.toUpperCase() === String(expected).trim().toUpperCase();
}

/** A literal seen as a value, to compare two literals the way a value and a literal compare. */
export function literalAsValue(literal: Literal): Value {
  const text = String(literal).trim();
  return { text, number: typeof literal === 'number' ? literal : NUMBER.test(text) ? Number(text) : undefined };
}

export function inRange(n: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}
