import type { Request } from 'express';
import { VigilError } from '../core/errors.js';

type Spec = Record<string, 'int' | 'bool' | 'string'>;
type Parsed<S extends Spec> = {
  [K in keyof S]?: S[K] extends 'int' ? number : S[K] extends 'bool' ? boolean : string;
};

const MAX_QUERY_VALUE = 256;

/**
 * Reads the query string against a spec: unknown keys, repeated keys, overlong or mistyped
 * values are 400 problems that name the key, never silently ignored.
 */
export function parseQuery<S extends Spec>(req: Request, spec: S): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(req.query)) {
    const type = spec[key];
    if (!type) throw new VigilError('UNKNOWN_QUERY_KEY', `unknown query parameter "${key.slice(0, 40)}"`, { extra: { allowed: Object.keys(spec) } });
    if (typeof raw !== 'string') throw new VigilError('BAD_REQUEST', `query parameter "${key}" must be given once`);
    if (raw.length > MAX_QUERY_VALUE) throw new VigilError('BAD_REQUEST', `query parameter "${key}" is too long`);
    out[key] = convert(key, raw, type);
  }
  return out as Parsed<S>;
}

function convert(key: string, raw: string, type: 'int' | 'bool' | 'string'): unknown {
  switch (type) {
    case 'int':
      if (!/^\d{1,9}$/.test(raw)) throw new VigilError('BAD_REQUEST', `query parameter "${key}" must be a non-negative whole number`);
      return Number(raw);
    case 'bool':
      if (raw === '' || raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new VigilError('BAD_REQUEST', `query parameter "${key}" must be true or false`);
    case 'string':
      return raw;
    default:
      return type satisfies never;
  }
}

/** A query parameter that must be one of a closed set; absent stays undefined. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], key: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new VigilError('BAD_REQUEST', `query parameter "${key}" must be one of ${allowed.join(', ')}`);
  return value as T;
}
