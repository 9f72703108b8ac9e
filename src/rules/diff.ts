/**
 * What changed between two rule sets in force, by rule id: IT reads this in GET /rules/versions.
 * Rules are compared in their written form, so a diff names the parts of a rule that changed.
 */
export interface RuleSetDiff {
  added: string[];
  removed: string[];
  changed: { id: string; fields: string[] }[];
  /** The new order of ids, when rules kept from before moved relative to each other. */
  reordered: string[] | null;
}

export type WrittenRules = readonly { id: string; [field: string]: unknown }[];

export function diffRuleSets(before: WrittenRules, after: WrittenRules): RuleSetDiff {
  const old = new Map(before.map((r) => [r.id, r]));
  const now = new Map(after.map((r) => [r.id, r]));
  const added = after.filter((r) => !old.has(r.id)).map((r) => r.id);
  const removed = before.filter((r) => !now.has(r.id)).map((r) => r.id);
  const changed: RuleSetDiff['changed'] = [];
  for (const rule of after) {
    const previous = old.get(rule.id);
    if (!previous) continue;
    const fields = [...new Set([...Object.keys(previous), ...Object.keys(rule)])].filter((f) => stable(previous[f]) !== stable(rule[f]));
    if (fields.length > 0) changed.push({ id: rule.id, fields: fields.sort() });
  }
  const keptBefore = before.map((r) => r.id).filter((id) => now.has(id));
  const keptAfter = after.map((r) => r.id).filter((id) => old.has(id));
  const reordered = keptBefore.join('\n') === keptAfter.join('\n') ? null : after.map((r) => r.id);
  return { added, removed, changed, reordered };
}

export function isEmptyDiff(diff: RuleSetDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0 && diff.reordered === null;
}

/** JSON with sorted keys, so that key order in a file is not a change. */
function stable(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
    ) ?? 'undefined'
  );
}
