import { z } from 'zod';
import { PRIORITIES } from '../domain/priority.js';
import { parseCondition } from './parse-condition.js';
import type { Rule, RuleOrigin, RuleProblem } from './language.js';

/** Rule ids are short and safe to show anywhere: in URLs, logs and the change feed. */
export const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_PER_ACTION = 32;

const name = z.string().min(1).max(64);

/** The written shape of one rule; `when` is read by parse-condition.ts for precise messages. */
export const writtenRule = z.strictObject({
  id: z.string().regex(RULE_ID, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  description: z.string().max(500).default(''),
  enabled: z.boolean().default(true),
  when: z.unknown(),
  then: z
    .strictObject({
      models: z.array(name).max(MAX_PER_ACTION).default([]),
      priority: z.enum(PRIORITIES).default('routine'),
      forward: z.array(name).max(MAX_PER_ACTION).default([]),
    })
    .prefault({}),
  stop: z.boolean().default(false),
});

export type WrittenRule = z.input<typeof writtenRule>;

export function parseRule(raw: unknown, path: string, origin: RuleOrigin, problems: RuleProblem[]): Rule | undefined {
  const shape = writtenRule.safeParse(raw);
  if (!shape.success) {
    for (const issue of shape.error.issues) problems.push({ path: joinPath(path, issue.path), message: issue.message });
  }
  if (raw === null || typeof raw !== 'object' || !('when' in raw)) {
    if (raw !== null && typeof raw === 'object')
      problems.push({ path: `${path}.when`, message: 'is required: the condition a series must meet (use { all: [] } for every series)' });
    return undefined;
  }
  const when = parseCondition(raw.when, `${path}.when`, problems);
  if (!shape.success || !when) return undefined;
  const { id, description, enabled, then, stop } = shape.data;
  return { id, description, enabled, when, then, stop, origin, path, written: { ...(raw as Record<string, unknown>), id } };
}

export function joinPath(base: string, rest: readonly PropertyKey[]): string {
  return [base, ...rest.map(String)].filter((p) => p.length > 0).join('.');
}
