import type { DefaultRules, Rule, RuleProblem, RuleSet } from './language.js';
import { resolveRuleSet } from './resolve.js';
import { findShadowedRules } from './shadowing.js';

/**
 * Everything that is checked before a rule set may apply: the document's shape (every problem
 * with its path), then what the rules refer to. Errors block; warnings are shown and allowed.
 */
export interface RuleCheckContext {
  defaults: readonly DefaultRules[];
  /** Model ids that can run; undefined when no model registry is available to ask. */
  models: readonly string[] | undefined;
  /** AE titles the node can forward to; undefined when that is not known. */
  destinations: readonly string[] | undefined;
}

export interface RuleCheck {
  /** Present only when there are no errors. */
  ruleSet: RuleSet | undefined;
  errors: RuleProblem[];
  warnings: RuleProblem[];
}

export function checkRules(document: unknown, ctx: RuleCheckContext): RuleCheck {
  const { rules, errors } = resolveRuleSet(document, ctx.defaults);
  const warnings: RuleProblem[] = [];
  for (const rule of rules) {
    checkReferences(rule, ctx, errors, warnings);
    if (rule.then.models.length === 0 && rule.then.forward.length === 0 && !rule.stop) {
      warnings.push({ path: rule.path, message: `rule ${rule.id} does nothing: it runs no model, forwards nowhere and does not stop` });
    }
  }
  const unchecked = [...new Set(rules.flatMap((r) => r.then.models))];
  if (ctx.models === undefined && unchecked.length > 0) {
    warnings.push({ path: '(models)', message: `no model registry is available: model ids ${unchecked.join(', ')} cannot be checked` });
  }
  warnings.push(...findShadowedRules(rules));
  return { ruleSet: errors.length === 0 ? { rules } : undefined, errors, warnings };
}

function checkReferences(rule: Rule, ctx: RuleCheckContext, errors: RuleProblem[], warnings: RuleProblem[]): void {
  rule.then.models.forEach((model, i) => {
    const path = `${rule.path}.then.models.${i}`;
    if (ctx.models === undefined || ctx.models.includes(model)) return;
    // A plugin's default names the pack it was written for; a site without that pack must keep
    // its other rules working, so only a rule someone wrote here is refused for it.
    if (rule.origin.kind === 'default') {
      warnings.push({
        path,
        message: `model ${model} is not installed: default rule ${rule.id} of plugin ${rule.origin.plugin} queues nothing for it until its pack is in the models folder`,
      });
    } else {
      errors.push({ path, message: `unknown model ${model}; known models are ${ctx.models.join(', ') || 'none'}` });
    }
  });
  rule.then.forward.forEach((destination, i) => {
    const path = `${rule.path}.then.forward.${i}`;
    if (ctx.destinations !== undefined && !ctx.destinations.includes(destination)) {
      errors.push({
        path,
        message: `unknown destination ${destination}; forward to the AE title of a modality in dicom.modalities that has a port (${ctx.destinations.join(', ') || 'none configured'})`,
      });
    }
  });
}
