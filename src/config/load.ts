import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { configSchema, type VigilConfig } from './schema.js';
import { readEnvOverrides, type EnvProblem } from './env.js';
import { VigilError } from '../core/errors.js';

export const DEFAULT_CONFIG_FILE = 'config/vigil.yaml';

export interface ConfigProblem {
  /** The file, or "env VIGIL_…", the value came from. */
  source: string;
  /** Dotted path inside the configuration, e.g. dicom.modalities.0.aeTitle */
  path: string;
  message: string;
}

export interface LoadedConfig {
  config: VigilConfig;
  /** The file that was read, if any. */
  file: string | undefined;
}

/**
 * Defaults in code, then the file (VIGIL_CONFIG, or config/vigil.yaml when present), then
 * environment overrides; validated as a whole. Every problem is collected before failing.
 */
export function loadConfig(opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems: ConfigProblem[] = [];

  const explicit = env.VIGIL_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : fileIfPresent(path.resolve(cwd, DEFAULT_CONFIG_FILE));
  let raw: unknown = {};
  if (file) {
    const read = readConfigFile(file);
    if ('problem' in read) problems.push(read.problem);
    else raw = read.value;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ source: file ?? 'config', path: '(root)', message: 'must be a mapping of sections' });
    raw = {};
  }

  const { overrides, problems: envProblems } = readEnvOverrides(env);
  problems.push(...envProblems.map((p: EnvProblem) => p));
  const merged = structuredClone(raw) as Record<string, unknown>;
  const envByPath = new Map<string, string>();
  for (const o of overrides) {
    setPath(merged, o.path, o.value);
    envByPath.set(o.path.join('.'), o.env);
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path.map(String).join('.') || '(root)';
      const fromEnv = envSourceOf(envByPath, issue.path.map(String));
      problems.push({ source: fromEnv ? `env ${fromEnv}` : (file ?? 'defaults'), path: p, message: issue.message });
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new VigilError('CONFIG_INVALID', formatProblems(problems), { extra: { problems } });
  }
  const config = parsed.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  return { config, file };
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.source}: ${p.path}: ${p.message}`);
  return `configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

/** The variable that set this path or one holding it (a list's item: node.roles.1 came from VIGIL_ROLES). */
function envSourceOf(envByPath: Map<string, string>, keys: string[]): string | undefined {
  for (let n = keys.length; n > 0; n--) {
    const env = envByPath.get(keys.slice(0, n).join('.'));
    if (env) return env;
  }
  return undefined;
}

function fileIfPresent(file: string): string | undefined {
  return fs.existsSync(file) ? file : undefined;
}

function readConfigFile(file: string): { value: unknown } | { problem: ConfigProblem } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { problem: { source: file, path: '(file)', message: `cannot be read: ${(err as Error).message}` } };
  }
  try {
    // YAML is a superset of JSON, so one parser serves both.
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      return { problem: { source: file, path: '(syntax)', message: first.message.split('\n')[0]! } };
    }
    return { value: doc.toJS() ?? {} };
  } catch (err) {
    return { problem: { source: file, path: '(syntax)', message: (err as Error).message } };
  }
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = target;
  keys.slice(0, -1).forEach((key) => {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]!] = value;
}
