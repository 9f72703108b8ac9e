import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DefaultRules, RuleProblem } from './language.js';
import { readRulesFile } from './rules-file.js';

/**
 * Where default rules come from. The plugin host will provide them (each plugin's
 * `defaultRules`); until it does, each plugin folder ships them as data in plugins/<id>/rules.yaml.
 */
export type DefaultRulesProvider = () => DefaultRules[];

export const PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));

/** Reads plugins/<id>/rules.yaml for every plugin folder that has one, in name order. */
export function defaultRulesFromFolders(dir = PLUGINS_DIR, problems: RuleProblem[] = []): DefaultRules[] {
  if (!fs.existsSync(dir)) return [];
  const out: DefaultRules[] = [];
  for (const plugin of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, plugin, 'rules.yaml');
    if (!fs.existsSync(file)) continue;
    const { parsed } = readRulesFile(file);
    if ('error' in parsed) {
      problems.push({ path: `defaults.${plugin}`, message: `${file}: ${parsed.error.path}: ${parsed.error.message}` });
      continue;
    }
    const rules = (parsed.document as { rules?: unknown } | null)?.rules;
    out.push({ plugin, rules: Array.isArray(rules) ? rules : [] });
  }
  return out;
}
