/**
 * Keeps patient data out of the logs, at every level.
 *
 * The first line of defence is that code never hands patient attributes to the logger. This is
 * the net under it: keys that name patient data are blanked, and the identifiers of recently
 * received patients are scrubbed out of any text (a library's error message included).
 */
export const REDACTED = '[redacted]';

const SENSITIVE_KEY = /patient|birth|accession|physician|operator|address|phone|mrn|issuer|ethnic|institution/i;
const MIN_SCRUB_LENGTH = 4;
const MAX_REMEMBERED = 4096;

export class PatientDataRedactor {
  /** Insertion-ordered, so the oldest identifiers are forgotten first. */
  private readonly values = new Set<string>();

  /** Remember identifiers (name, ID, birth date, accession...) so they are scrubbed if they ever leak. */
  remember(...values: (string | undefined | null)[]): void {
    for (const value of values) {
      if (!value) continue;
      for (const candidate of variants(value)) {
        if (candidate.length < MIN_SCRUB_LENGTH) continue;
        this.values.delete(candidate);
        this.values.add(candidate);
      }
    }
    while (this.values.size > MAX_REMEMBERED) {
      const oldest = this.values.values().next().value as string;
      this.values.delete(oldest);
    }
  }

  scrubText(text: string): string {
    let out = text;
    for (const value of this.values) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
    }
    return out;
  }

  /** Returns a copy of `value` with sensitive keys blanked and remembered identifiers scrubbed. */
  scrub(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrubText(value);
    if (value === null || typeof value !== 'object' || depth > 6) return value;
    if (value instanceof Error) return this.scrubText(`${value.name}: ${value.message}`);
    if (Array.isArray(value)) return value.map((v) => this.scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSensitiveKey(key) ? REDACTED : this.scrub(v, depth + 1);
    }
    return out;
  }

  clear(): void {
    this.values.clear();
  }
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** A person name "DOE^JOHN^Q" may surface as "DOE^JOHN", "DOE", "JOHN" or "JOHN DOE". */
function variants(value: string): string[] {
  const trimmed = value.trim();
  const parts = trimmed.split(/[\^=]/).map((p) => p.trim()).filter(Boolean);
  const out = new Set([trimmed, ...parts]);
  if (parts.length >= 2) out.add(`${parts[1]} ${parts[0]}`);
  return [...out];
}

/** The process-wide redactor: the store feeds it, every log line passes through it. */
export const patientDataRedactor = new PatientDataRedactor();
