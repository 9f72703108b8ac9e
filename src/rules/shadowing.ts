import { inRange, literalAsValue, same } from './evaluate.js';
import type { Condition, Rule, RuleProblem } from './language.js';

/**
 * Finds rules that can never fire: an earlier enabled rule with `stop` matches every series the
 * later rule matches, so evaluation never reaches it.
 *
 * `implies(b, a)` answers "does every series matching b also match a?". It is sound but not
 * complete: when it says yes, that is certain (no false warnings); some shadowing built from
 * unusual combinations goes unnoticed. Value tests hold when any value passes, so only
 * implications that stay true for multi-valued attributes are used.
 */
export function findShadowedRules(rules: readonly Rule[]): RuleProblem[] {
  const warnings: RuleProblem[] = [];
  rules.forEach((rule, i) => {
    if (!rule.enabled) return;
    const shadow = rules.slice(0, i).find((earlier) => earlier.enabled && earlier.stop && implies(rule.when, earlier.when));
    if (shadow) {
      warnings.push({
        path: rule.path,
        message: `rule ${rule.id} can never fire: the earlier rule ${shadow.id} matches every series it matches and stops`,
      });
    }
  });
  return warnings;
}

export function implies(b: Condition, a: Condition): boolean {
  if (a.op === 'all') return a.of.every((part) => implies(b, part));
  if (b.op === 'any') return b.of.every((part) => implies(part, a));
  if (a.op === 'any') return a.of.some((part) => implies(b, part));
  if (b.op === 'all') return b.of.some((part) => implies(part, a));
  if (a.op === 'not' || b.op === 'not') {
    // not Y ⇒ not X exactly when X ⇒ Y.
    return a.op === 'not' && b.op === 'not' && implies(a.of, b.of);
  }
  if (a.attr.key !== b.attr.key) return false;
  switch (a.op) {
    case 'present':
      return b.op !== 'absent';
    case 'absent':
      return b.op === 'absent';
    case 'equals':
      return literalsOf(b)?.every((l) => same(literalAsValue(l), a.value)) ?? false;
    case 'oneOf':
      return literalsOf(b)?.every((l) => a.values.some((v) => same(literalAsValue(l), v))) ?? false;
    case 'matches':
      if (b.op === 'matches') return b.regex.source === a.regex.source;
      // Only text literals: a numeric value equal to 5 may be written "5.0", which p may not match.
      return literalsOf(b)?.every((l) => literalAsValue(l).number === undefined && a.regex.test(String(l).trim())) ?? false;
    case 'range':
      if (b.op === 'range') {
        return (a.min === undefined || (b.min !== undefined && b.min >= a.min)) && (a.max === undefined || (b.max !== undefined && b.max <= a.max));
      }
      return (
        literalsOf(b)?.every((l) => {
          const n = literalAsValue(l).number;
          return n !== undefined && inRange(n, a.min, a.max);
        }) ?? false
      );
    default:
      return a satisfies never;
  }
}

/** The values that can make b hold, when b lists them (equals, oneOf). */
function literalsOf(b: Condition): (string | number)[] | undefined {
  if (b.op === 'equals') return [b.value];
  if (b.op === 'oneOf') return b.values;
  return undefined;
}
