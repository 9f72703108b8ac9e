/**
 * Environment overrides: each variable sets one config path. They win over the file, so a
 * container or a test can move ports and folders without editing config.
 */
export const ENV_OVERRIDES = [
  { env: 'VIGIL_DATA_DIR', path: ['dataDir'], type: 'string' },
  { env: 'VIGIL_DICOM_PORT', path: ['dicom', 'port'], type: 'int' },
  { env: 'VIGIL_DICOM_HOST', path: ['dicom', 'host'], type: 'string' },
  { env: 'VIGIL_AE_TITLE', path: ['dicom', 'aeTitle'], type: 'string' },
  { env: 'VIGIL_HTTP_PORT', path: ['http', 'port'], type: 'int' },
  { env: 'VIGIL_HTTP_HOST', path: ['http', 'host'], type: 'string' },
  { env: 'VIGIL_LOG_LEVEL', path: ['log', 'level'], type: 'string' },
  { env: 'VIGIL_LOG_FORMAT', path: ['log', 'format'], type: 'string' },
  { env: 'VIGIL_LOG_FILE', path: ['log', 'file'], type: 'string' },
  { env: 'VIGIL_FSYNC', path: ['storage', 'fsync'], type: 'bool' },
  { env: 'VIGIL_DATABASE_URL', path: ['storage', 'database', 'url'], type: 'string' },
  { env: 'VIGIL_GROUP_COMMIT_MS', path: ['storage', 'groupCommitMs'], type: 'int' },
  { env: 'VIGIL_MODELS_DIR', path: ['triage', 'modelsDir'], type: 'string' },
  { env: 'VIGIL_TRIAGE_WORKERS', path: ['triage', 'workers'], type: 'int' },
  { env: 'VIGIL_INFERENCE_THREADS', path: ['triage', 'inferenceThreads'], type: 'int' },
  { env: 'VIGIL_ROLES', path: ['node', 'roles'], type: 'list' },
] as const satisfies readonly { env: string; path: readonly string[]; type: 'string' | 'int' | 'bool' | 'list' }[];

export interface EnvOverride {
  env: string;
  path: readonly string[];
  value: unknown;
}

export interface EnvProblem {
  source: string;
  path: string;
  message: string;
}

/** Reads the overrides present in `env`; a value of the wrong type is a problem, not a default. */
export function readEnvOverrides(env: NodeJS.ProcessEnv): { overrides: EnvOverride[]; problems: EnvProblem[] } {
  const overrides: EnvOverride[] = [];
  const problems: EnvProblem[] = [];
  for (const spec of ENV_OVERRIDES) {
    const raw = env[spec.env];
    if (raw === undefined || raw === '') continue;
    const where = { source: `env ${spec.env}`, path: spec.path.join('.') };
    switch (spec.type) {
      case 'string':
        overrides.push({ env: spec.env, path: spec.path, value: raw });
        break;
      case 'int': {
        if (!/^\d{1,5}$/.test(raw.trim())) problems.push({ ...where, message: `must be a whole number, got "${raw}"` });
        else overrides.push({ env: spec.env, path: spec.path, value: Number(raw.trim()) });
        break;
      }
      case 'list': {
        // Comma-separated, spaces allowed ("dicom, api"); an empty item stays, so the schema
        // reports it with its place rather than the list silently shrinking.
        overrides.push({ env: spec.env, path: spec.path, value: raw.split(',').map((item) => item.trim()) });
        break;
      }
      case 'bool': {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) overrides.push({ env: spec.env, path: spec.path, value: true });
        else if (['0', 'false', 'no', 'off'].includes(v)) overrides.push({ env: spec.env, path: spec.path, value: false });
        else problems.push({ ...where, message: `must be true or false, got "${raw}"` });
        break;
      }
      default:
        spec satisfies never;
    }
  }
  return { overrides, problems };
}
