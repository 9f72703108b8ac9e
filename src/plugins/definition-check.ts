import semver from 'semver';
import { VigilError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { HOOK_NAMES, isHookName } from './hooks.js';
import type { PluginDefinition } from './sdk.js';

export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Checks what a plugin module default-exports, before any of its hooks runs: its shape, that
 * every hook is in the core's vocabulary, and that this core is in its coreRange. Throws a
 * VigilError with the code that names the problem.
 */
export function checkDefinition(exported: unknown, folderId: string, coreVersion = VERSION): PluginDefinition {
  const invalid = (detail: string) => new VigilError('PLUGIN_INVALID', `plugin ${folderId}: ${detail}`, { extra: { plugin: folderId } });
  if (!isRecord(exported)) throw invalid('index must default-export definePlugin({ ... })');
  const { id, version, coreRange, dependsOn, configSchema, defaultRules, hooks } = exported;
  if (typeof id !== 'string' || !PLUGIN_ID_PATTERN.test(id)) throw invalid('id must be lowercase letters, digits and dashes');
  if (id !== folderId) throw invalid(`id "${id}" differs from its folder name`);
  if (typeof version !== 'string' || !semver.valid(version)) throw invalid('version must be a semver version such as 1.0.0');
  if (typeof coreRange !== 'string' || !semver.validRange(coreRange)) throw invalid('coreRange must be a semver range such as ^0.1.0');
  if (dependsOn !== undefined && !(Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === 'string'))) {
    throw invalid('dependsOn must be a list of plugin ids');
  }
  if (configSchema !== undefined && !(isRecord(configSchema) && typeof configSchema.safeParse === 'function')) {
    throw invalid('configSchema must be a zod schema (use the z exported by the SDK)');
  }
  if (defaultRules !== undefined && !Array.isArray(defaultRules)) throw invalid('defaultRules must be a list');
  if (!isRecord(hooks)) throw invalid('hooks must be an object');
  for (const [name, fn] of Object.entries(hooks)) {
    if (!isHookName(name)) {
      throw new VigilError('PLUGIN_UNKNOWN_HOOK', `plugin ${id}: unknown hook "${name}"`, {
        extra: { plugin: id, hook: name, hooks: HOOK_NAMES },
      });
    }
    if (typeof fn !== 'function') throw invalid(`hook ${name} must be a function`);
  }
  if (!semver.satisfies(coreVersion, coreRange, { includePrerelease: true })) {
    throw new VigilError('PLUGIN_CORE_VERSION', `plugin ${id} ${version} needs core ${coreRange}; this is ${coreVersion}`, {
      extra: { plugin: id, coreRange, coreVersion },
    });
  }
  return exported as unknown as PluginDefinition;
}

/** Validates the plugin's section of plugins.config against its schema; returns the parsed value. */
export function checkConfig(definition: PluginDefinition, section: unknown): unknown {
  const { id, configSchema } = definition;
  if (!configSchema) {
    if (section === undefined) return undefined;
    throw new VigilError('PLUGIN_CONFIG_INVALID', `plugin ${id} takes no configuration, but plugins.config.${id} is set`, {
      extra: { plugin: id, problems: [{ path: `plugins.config.${id}`, message: 'not expected' }] },
    });
  }
  const parsed = configSchema.safeParse(section);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    path: ['plugins', 'config', id, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new VigilError('PLUGIN_CONFIG_INVALID', `plugin ${id}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
    extra: { plugin: id, problems },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
