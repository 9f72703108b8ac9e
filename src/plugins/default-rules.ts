import { BUILTIN_PLUGINS_DIR, discoverPlugins, importPlugin } from './loader.js';
import type { DefaultRules, RuleProblem } from '../rules/language.js';

// The rules' DefaultRulesProvider (src/rules/language.ts) for tools without a node: here, not in
// src/rules, because the rules sit below the plugins.

/** The default rules of the given plugins, in the order given; a plugin that cannot be read is a problem. */
export async function defaultRulesOfPlugins(
  ids: readonly string[],
  folders: readonly string[] = [],
): Promise<{ defaults: DefaultRules[]; problems: RuleProblem[] }> {
  const { found } = discoverPlugins([BUILTIN_PLUGINS_DIR, ...folders]);
  const defaults: DefaultRules[] = [];
  const problems: RuleProblem[] = [];
  for (const id of ids) {
    const plugin = found.find((p) => p.id === id);
    if (!plugin) {
      problems.push({ path: `plugins.${id}`, message: 'is enabled but no plugin folder holds it' });
      continue;
    }
    try {
      const rules = ((await importPlugin(plugin)) as { defaultRules?: unknown } | undefined)?.defaultRules;
      if (Array.isArray(rules) && rules.length > 0) defaults.push({ plugin: id, rules });
    } catch (err) {
      problems.push({ path: `plugins.${id}`, message: `cannot be loaded: ${(err as Error).message}` });
    }
  }
  return { defaults, problems };
}
