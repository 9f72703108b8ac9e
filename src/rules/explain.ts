import type { Outcome } from './evaluate.js';
import type { RoutingDecision, RuleResult } from './route.js';

/**
 * Plain-text explanation of a routing decision, for the CLI and the API's `text` field:
 *   ✓ stroke.ncct-head: match: all 6 conditions hold
 *   ✗ pe.ctpa: no match: ContrastBolusAgent is absent, the rule wants a value
 *       ✓ Modality is CT
 *       ✗ ContrastBolusAgent is absent, the rule wants a value
 */
const MARK: Record<RuleResult['status'], string> = { matched: '✓', 'no-match': '✗', disabled: '-', 'not-evaluated': '·' };

export function explainDecision(decision: RoutingDecision, opts: { detail?: boolean } = {}): string[] {
  const lines: string[] = [];
  for (const result of decision.results) {
    lines.push(`${MARK[result.status]} ${result.ruleId}: ${result.because}`);
    if (opts.detail && result.outcome?.parts) lines.push(...explainParts(result.outcome.parts, 2));
  }
  lines.push(`routing: ${summarizeRouting(decision)}`);
  return lines;
}

export function summarizeRouting(decision: RoutingDecision): string {
  const jobs = decision.jobs.map((j) => `${j.modelId} (${j.priority}, rule ${j.ruleId})`);
  const forwards = decision.forwards.map((f) => `${f.destination} (rule ${f.ruleId})`);
  const parts = [jobs.length > 0 ? `run ${jobs.join(', ')}` : 'run no model'];
  if (forwards.length > 0) parts.push(`forward to ${forwards.join(', ')}`);
  if (decision.stoppedBy) parts.push(`stopped by ${decision.stoppedBy}`);
  return parts.join('; ');
}

function explainParts(parts: readonly Outcome[], depth: number): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    lines.push(`${'  '.repeat(depth)}${part.matched ? '✓' : '✗'} ${part.because}`);
    // A negated single test already says everything in its own line.
    const children = part.parts?.length === 1 && !part.parts[0]!.parts ? undefined : part.parts;
    if (children) lines.push(...explainParts(children, depth + 1));
  }
  return lines;
}
