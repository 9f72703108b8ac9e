/**
 * One error catalog for the whole node (Fastify's createError in spirit).
 * Callers branch on `code`, never on message text; the API turns any VigilError into an
 * RFC 9457 problem response with the catalog's HTTP status.
 */
export const ERRORS = {
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  INVALID_ID: { status: 400, title: 'Malformed identifier' },
  UNKNOWN_QUERY_KEY: { status: 400, title: 'Unknown query parameter' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  CONFLICT: { status: 409, title: 'Conflict' },
  DICOM_PARSE_FAILED: { status: 422, title: 'DICOM data set could not be parsed' },
  DICOM_MISSING_ATTRIBUTE: { status: 422, title: 'Required DICOM attribute missing' },
  STORE_WRITE_FAILED: { status: 507, title: 'Storage write failed' },
  STORE_FILE_MISSING: { status: 500, title: 'Stored file missing' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extra machine-readable members for the problem response (never patient data). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail: string, opts: { cause?: unknown; extra?: Record<string, unknown> } = {}) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VigilError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.extra = opts.extra;
  }
}

export function isVigilError(err: unknown, code?: ErrorCode): err is VigilError {
  return err instanceof VigilError && (code === undefined || err.code === code);
}

/** Node's system errors carry a string code such as ENOSPC; this reads it without `any`. */
export function systemErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
