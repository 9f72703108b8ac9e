import { morePressing, type Priority } from '../domain/priority.js';
import type { DescribeOptions } from './describe.js';
import { evaluateCondition, type Outcome } from './evaluate.js';
import type { SeriesFacts } from './facts.js';
import type { Rule, RuleSet } from './language.js';

/**
 * Runs a rule set on one series. Rules are evaluated in order; every matching rule adds its
 * action; a matching rule with `stop` ends the evaluation and the rules after it are reported
 * as not evaluated. Disabled rules are skipped and said to be.
 */
export const RULE_STATUSES = ['matched', 'no-match', 'disabled', 'not-evaluated'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

export interface RuleResult {
  ruleId: string;
  status: RuleStatus;
  /** "no match: SliceThickness is 7.5, the rule wants ≤ 5" */
  because: string;
  /** The condition tree's outcome, for a detailed view. */
  outcome?: Outcome;
}

export interface ModelJob {
  modelId: string;
  priority: Priority;
  /** The first rule that asked for this model. */
  ruleId: string;
}

export interface ForwardJob {
  destination: string;
  ruleId: string;
}

export interface RoutingDecision {
  results: RuleResult[];
  /** One job per model: when several rules ask for a model, the most pressing priority wins. */
  jobs: ModelJob[];
  forwards: ForwardJob[];
  /** The rule that stopped the evaluation, if one did. */
  stoppedBy: string | null;
}

export function routeSeries(ruleSet: RuleSet, series: SeriesFacts, opts: DescribeOptions = {}): RoutingDecision {
  const results: RuleResult[] = [];
  const jobs = new Map<string, ModelJob>();
  const forwards = new Map<string, ForwardJob>();
  let stoppedBy: string | null = null;
  for (const rule of ruleSet.rules) {
    if (stoppedBy !== null) {
      results.push({ ruleId: rule.id, status: 'not-evaluated', because: `not evaluated: rule ${stoppedBy} matched and stops` });
      continue;
    }
    if (!rule.enabled) {
      results.push({ ruleId: rule.id, status: 'disabled', because: 'disabled' });
      continue;
    }
    const outcome = safeEvaluate(rule, series, opts);
    results.push({
      ruleId: rule.id,
      status: outcome.matched ? 'matched' : 'no-match',
      because: `${outcome.matched ? 'match' : 'no match'}: ${outcome.because}`,
      outcome,
    });
    if (!outcome.matched) continue;
    for (const modelId of rule.then.models) {
      const earlier = jobs.get(modelId);
      jobs.set(
        modelId,
        earlier ? { ...earlier, priority: morePressing(earlier.priority, rule.then.priority) } : { modelId, priority: rule.then.priority, ruleId: rule.id },
      );
    }
    for (const destination of rule.then.forward) {
      if (!forwards.has(destination)) forwards.set(destination, { destination, ruleId: rule.id });
    }
    if (rule.stop) stoppedBy = rule.id;
  }
  return { results, jobs: [...jobs.values()], forwards: [...forwards.values()], stoppedBy };
}

/** The last net: evaluation is written not to throw, but one bad series must never stop routing. */
function safeEvaluate(rule: Rule, series: SeriesFacts, opts: DescribeOptions): Outcome {
  try {
    return evaluateCondition(rule.when, series, opts);
  } catch {
    return { matched: false, because: 'the rule could not be evaluated on this series (internal error)' };
  }
}
