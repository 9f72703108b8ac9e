import type { SecretValue } from './sections/alerts.js';
import { VigilError } from '../core/errors.js';

/** The secret itself: written in the config, or read from the named environment variable. */
export function resolveSecret(value: SecretValue, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof value === 'string') return value;
  const found = env[value.env];
  if (!found) throw new VigilError('CONFIG_INVALID', `environment variable ${value.env} (an alert destination secret) is not set`);
  return found;
}
