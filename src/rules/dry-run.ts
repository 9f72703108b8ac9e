import { explainDecision, summarizeRouting } from './explain.js';
import type { SeriesFacts } from './facts.js';
import type { RuleProblem, RuleSet } from './language.js';
import { routeSeries, type RoutingDecision } from './route.js';

/**
 * POST /rules/test: a draft rule set against the rules in force, on the same series. For each
 * series: which rules match and why under the draft, and how the routing would differ.
 */
export interface DecisionView extends RoutingDecision {
  matched: string[];
  /** The explanation as lines of text (explain.ts). */
  text: string[];
}

export interface SeriesComparison {
  /** The stored series' id, or a label for an uploaded header. */
  series: string;
  draft: DecisionView;
  inForce: DecisionView;
  differs: boolean;
  /** "draft runs pe-ctpa (urgent); the rules in force do not" */
  differences: string[];
}

export interface DryRunReport {
  inForceVersion: number | null;
  /** Warnings of the draft (errors stop the dry run before it starts). */
  warnings: RuleProblem[];
  series: SeriesComparison[];
  /** Series that could not be read (file gone, unreadable header), by id, with why. */
  unreadable: { series: string; reason: string }[];
  truncated: boolean;
}

export function compareOnSeries(label: string, facts: SeriesFacts, draft: RuleSet, inForce: RuleSet, detail: boolean): SeriesComparison {
  const d = view(routeSeries(draft, facts), detail);
  const f = view(routeSeries(inForce, facts), detail);
  const differences = differencesOf(d, f);
  return { series: label, draft: d, inForce: f, differs: differences.length > 0, differences };
}

function view(decision: RoutingDecision, detail: boolean): DecisionView {
  const results = detail ? decision.results : decision.results.map(({ outcome: _outcome, ...rest }) => rest);
  return {
    ...decision,
    results,
    matched: decision.results.filter((r) => r.status === 'matched').map((r) => r.ruleId),
    text: explainDecision(decision, { detail }),
  };
}

export function differencesOf(draft: RoutingDecision, inForce: RoutingDecision): string[] {
  const out: string[] = [];
  const before = new Map(inForce.jobs.map((j) => [j.modelId, j]));
  const after = new Map(draft.jobs.map((j) => [j.modelId, j]));
  for (const [model, job] of after) {
    const old = before.get(model);
    if (!old) out.push(`the draft runs ${model} (${job.priority}, rule ${job.ruleId}); the rules in force do not`);
    else if (old.priority !== job.priority) out.push(`${model} priority: ${old.priority} in force, ${job.priority} in the draft`);
  }
  for (const [model, job] of before) {
    if (!after.has(model)) out.push(`the rules in force run ${model} (${job.priority}, rule ${job.ruleId}); the draft does not`);
  }
  const fwdBefore = new Set(inForce.forwards.map((f) => f.destination));
  const fwdAfter = new Set(draft.forwards.map((f) => f.destination));
  for (const d of fwdAfter) if (!fwdBefore.has(d)) out.push(`the draft forwards to ${d}; the rules in force do not`);
  for (const d of fwdBefore) if (!fwdAfter.has(d)) out.push(`the rules in force forward to ${d}; the draft does not`);
  return out;
}

/**
 * One line per series, put first in the response: what the rules in force do with it and, when
 * the draft differs, what the draft would do. The explanation rule by rule follows under
 * `series[].inForce.text` (`jq '.summary, .series[0].inForce.text'`).
 */
export function summaryOf(series: readonly SeriesComparison[]): string[] {
  return series.map((s) => {
    const inForce = `${s.series}: ${summarizeRouting(s.inForce)}`;
    return s.differs ? `${inForce}; the draft would ${summarizeRouting(s.draft)} (${s.differences.join('; ')})` : inForce;
  });
}
