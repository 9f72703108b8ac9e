import { BUILTIN_PLUGINS_DIR, discoverPlugins, importPlugin } from '../plugins/loader.js';
import type { DefaultRules, RuleProblem } from './language.js';

/**
 * Where default rules come from: each active plugin's `defaultRules` (definePlugin). In the node
 * the plugin host provides them (PluginHost.defaultRules()); tools without a node (the CLI,
 * tests) read them from the plugin definitions directly, the same way the host imports them.
 */
export type DefaultRulesProvider = () => DefaultRules[];

/** The default rules of the given plugins, in the order given; a plugin that cannot be read is a problem. */
export async function defaultRulesOfPlugins(ids: readonly string[], folders: readonly string[] = []): Promise<{ defaults: DefaultRules[]; problems: RuleProblem[] }> {
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
