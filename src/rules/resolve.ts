import { parseRule } from './parse-rule.js';
import type { DefaultRules, Rule, RuleProblem } from './language.js';

/**
 * Combines the plugins' default rules with the site's rules document into the ordered rule set.
 *
 * Override semantics, explicitly:
 *  - The site's `rules:` come first, in the order written.
 *  - A site rule whose id is a default's id replaces that default (whole rule, no merging).
 *  - `{ default: <id> }` in `rules:` places an unchanged default at that point of the order.
 *  - `disable: [<id>, ...]` drops defaults.
 *  - Every other default follows, in plugin order and the plugin's own order.
 * Problems in a default that the site replaces or disables are not reported: they do not apply.
 */
export interface ResolvedRules {
  /** The rules that could be read, in order; with errors, a partial list to check further. */
  rules: Rule[];
  errors: RuleProblem[];
}

interface ParsedDefault {
  rule: Rule | undefined;
  problems: RuleProblem[];
}

const DOCUMENT_KEYS = ['rules', 'disable'];

export function resolveRuleSet(document: unknown, defaults: readonly DefaultRules[]): ResolvedRules {
  const errors: RuleProblem[] = [];
  const byId = parseDefaults(defaults, errors);
  const doc = documentShape(document, errors);

  const disabled = new Set<string>();
  doc.disable.forEach((id, i) => {
    if (typeof id !== 'string' || !byId.has(id))
      errors.push({ path: `disable.${i}`, message: `no default rule has the id ${JSON.stringify(id)}; defaults are ${[...byId.keys()].join(', ') || 'none'}` });
    else disabled.add(id);
  });

  const ordered: (Rule | ParsedDefault)[] = [];
  const taken = new Set<string>();
  doc.rules.forEach((entry, i) => {
    const path = `rules.${i}`;
    const placed = placement(entry);
    if (placed !== undefined) {
      const found = byId.get(placed);
      if (!found) errors.push({ path: `${path}.default`, message: `no default rule has the id ${JSON.stringify(placed)}` });
      else if (disabled.has(placed)) errors.push({ path: `${path}.default`, message: `${placed} is both placed and disabled` });
      else if (taken.has(placed)) errors.push({ path: `${path}.default`, message: `${placed} appears more than once` });
      else {
        taken.add(placed);
        ordered.push(found);
      }
      return;
    }
    const rule = parseRule(entry, path, { kind: 'site' }, errors);
    if (!rule) return;
    if (taken.has(rule.id)) errors.push({ path: `${path}.id`, message: `${rule.id} appears more than once` });
    else if (disabled.has(rule.id)) errors.push({ path: `${path}.id`, message: `${rule.id} replaces a default that is also disabled; remove one of the two` });
    else {
      taken.add(rule.id);
      ordered.push(rule);
    }
  });
  for (const [id, parsed] of byId) if (!taken.has(id) && !disabled.has(id)) ordered.push(parsed);

  const rules: Rule[] = [];
  for (const item of ordered) {
    if ('id' in item) rules.push(item);
    else if (item.rule) rules.push(item.rule);
    else errors.push(...item.problems);
  }
  return { rules, errors };
}

function parseDefaults(defaults: readonly DefaultRules[], errors: RuleProblem[]): Map<string, ParsedDefault> {
  const byId = new Map<string, ParsedDefault>();
  for (const pack of defaults) {
    pack.rules.forEach((raw, i) => {
      const problems: RuleProblem[] = [];
      const path = `defaults.${pack.plugin}.${i}`;
      const rule = parseRule(raw, path, { kind: 'default', plugin: pack.plugin }, problems);
      const id = rule?.id ?? idOf(raw);
      if (id === undefined) errors.push(...problems, { path, message: 'a default rule without a usable id cannot be replaced or disabled' });
      else if (byId.has(id)) errors.push({ path: `${path}.id`, message: `two default rules have the id ${id}` });
      else byId.set(id, { rule, problems });
    });
  }
  return byId;
}

function documentShape(document: unknown, errors: RuleProblem[]): { rules: unknown[]; disable: unknown[] } {
  if (document === undefined || document === null) return { rules: [], disable: [] };
  if (typeof document !== 'object' || Array.isArray(document)) {
    errors.push({ path: '(root)', message: 'must be a mapping with "rules" (and optionally "disable")' });
    return { rules: [], disable: [] };
  }
  const obj = document as Record<string, unknown>;
  for (const key of Object.keys(obj))
    if (!DOCUMENT_KEYS.includes(key)) errors.push({ path: key, message: `unknown key; a rules document has ${DOCUMENT_KEYS.join(' and ')}` });
  const list = (key: string): unknown[] => {
    const value = obj[key];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    errors.push({ path: key, message: 'must be a list' });
    return [];
  };
  return { rules: list('rules'), disable: list('disable') };
}

/** `{ default: id }` and nothing else places a default; anything else is read as a rule. */
function placement(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const keys = Object.keys(entry);
  if (keys.length !== 1 || keys[0] !== 'default') return undefined;
  const id = (entry as { default: unknown }).default;
  return typeof id === 'string' ? id : String(id);
}

function idOf(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}
