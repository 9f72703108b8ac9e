import { expect } from 'chai';
import { parseCondition } from '../../src/rules/parse-condition.js';
import type { Condition, RuleProblem } from '../../src/rules/language.js';
import type { SeriesFacts } from '../../src/rules/facts.js';

/** Parses a written condition in a test, failing loudly on any problem. */
export function cond(written: unknown): Condition {
  const problems: RuleProblem[] = [];
  const parsed = parseCondition(written, 'when', problems);
  expect(problems).to.deep.equal([]);
  return parsed!;
}

/** A series from naturalized-looking keyword values, as DICOM JSON, plus facts. */
export function series(tags: Record<string, { vr: string; Value?: unknown[] }>, facts: SeriesFacts['facts'] = {}): SeriesFacts {
  return { header: tags, facts };
}
