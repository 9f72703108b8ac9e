import { PRIORITIES, PRIORITY_RANK, type Priority } from '../domain/priority.js';

/** Where a study's base priority came from: the RIS's order, a routing rule's hint, or neither. */
export const BASE_SOURCES = ['order', 'rule', 'default'] as const;
export type BaseSource = (typeof BASE_SOURCES)[number];

export interface PriorityInputs {
  /** The active order's priority (table 0027, as the RIS set it). */
  order: Priority | null;
  /** The most pressing hint of the routing rules that matched the study's series. */
  rule: Priority | null;
  /** The most pressing priority of the study's standing positive findings. */
  ai: Priority | null;
}

export interface PriorityDecision {
  effective: Priority;
  base: Priority;
  baseSource: BaseSource;
  ai: Priority | null;
  /** The AI result asked for more than the base: it, and the finding behind it, are the reason. */
  raisedByAi: boolean;
}

/**
 * The worklist's one priority rule, as cleared triage products apply it: AI may raise a
 * study's priority, never lower one that a person or the RIS set. The base is the more pressing
 * of the order and the rule hint (the order wins a tie: the RIS is the authority); the
 * effective priority is the base unless the AI asks for more.
 *
 * The list's sort order in SQL (worklist-query.ts) is the same rule: the greatest rank of the
 * three inputs. test/worklist/effective-priority.test.ts checks that the two agree.
 */
export function decidePriority(inputs: PriorityInputs): PriorityDecision {
  const { order, rule, ai } = inputs;
  let base: Priority = 'routine';
  let baseSource: BaseSource = 'default';
  if (rule) [base, baseSource] = [rule, 'rule'];
  if (order && (baseSource === 'default' || rank(order) >= rank(base))) [base, baseSource] = [order, 'order'];
  const raisedByAi = ai !== null && rank(ai) > rank(base);
  return { effective: raisedByAi ? ai : base, base, baseSource, ai, raisedByAi };
}

export function rank(p: Priority): number {
  return PRIORITY_RANK[p];
}

export function priorityOfRank(r: number): Priority {
  const found = PRIORITIES.find((p) => PRIORITY_RANK[p] === r);
  if (!found) throw new RangeError(`no priority has rank ${r}`);
  return found;
}

/** `CASE col WHEN 'stat' THEN 3 ...`: the ranks of priority.ts, for SQL that sorts by them. */
export function rankSql(column: string): string {
  return `CASE ${column} ${PRIORITIES.map((p) => `WHEN '${p}' THEN ${PRIORITY_RANK[p]}`).join(' ')} END`;
}
