/**
 * Load order: the configured order, except that a plugin comes after the plugins it depends
 * on. A plugin whose dependency is not available is left out, and so are the plugins that
 * depend on it; plugins that depend on each other in a cycle are all left out.
 */
export interface PluginOrder {
  order: string[];
  /** Plugin id -> the dependency it lacks. */
  missing: Map<string, string>;
  cyclic: string[];
}

export function orderPlugins(ids: readonly string[], dependsOn: (id: string) => readonly string[]): PluginOrder {
  const available = new Set(ids);
  const missing = new Map<string, string>();
  const order: string[] = [];
  const placed = new Set<string>();
  let pending = [...ids];
  for (;;) {
    let progress = false;
    for (const id of pending) {
      const deps = dependsOn(id);
      const absent = deps.find((d) => !available.has(d) || missing.has(d));
      if (absent !== undefined) {
        missing.set(id, absent);
        progress = true;
      } else if (deps.every((d) => placed.has(d))) {
        order.push(id);
        placed.add(id);
        progress = true;
      }
    }
    pending = pending.filter((id) => !placed.has(id) && !missing.has(id));
    if (pending.length === 0 || !progress) break;
  }
  return { order, missing, cyclic: pending };
}
