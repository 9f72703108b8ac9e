/**
 * Keeps patient data out of the logs, at every level, by structure rather than by scrubbing text:
 *
 * - code never hands patient attributes to the logger, and a field whose key names patient data
 *   (`patientName`, `accessionNumber`...) is blanked as a net under that;
 * - an error is logged through `describeError` (src/log/describe-error.ts): its code and class,
 *   its text only when Vigil or the OS wrote it, never a library's message, which may quote the
 *   data it choked on.
 *
 * Free text is not searched for remembered patient names: that scrubbed any four letters of a
 * recent name out of everything (`ACCEPT_SCU` became `[redacted]_SCU` after a patient named
 * ACCEPT), and still depended on having seen the name first.
 */
import { describeError } from './describe-error.js';

export const REDACTED = '[redacted]';

const SENSITIVE_KEY = /patient|birth|accession|physician|operator|address|phone|mrn|issuer|ethnic|institution/i;
const MAX_DEPTH = 6;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/**
 * A copy of a log field's value with sensitive keys blanked at any depth and errors described
 * (code and class, never a library's message). Strings pass unchanged.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return describeError(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSensitiveKey(key) ? REDACTED : redactValue(v, depth + 1);
  return out;
}
