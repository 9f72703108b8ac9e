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
  AUTH_BUSY: { status: 503, title: 'Token checks are busy' },
  // Sign-in through the OpenID provider (src/auth/oidc-sign-in.ts, src/api/routes/sign-in.ts).
  CSRF_REFUSED: { status: 403, title: 'Missing or wrong CSRF token' },
  SIGN_IN_FAILED: { status: 400, title: 'Sign-in failed' },
  SIGN_IN_NO_ROLE: { status: 403, title: 'No role in Vigil for this account' },
  OIDC_UNAVAILABLE: { status: 502, title: 'The OpenID provider cannot be reached' },
  AUDIT_UNAVAILABLE: { status: 503, title: 'Audit trail unavailable' },
  CONFLICT: { status: 409, title: 'Conflict' },
  // The worklist: a study is not marked read while a critical alert of it is open.
  ALERT_UNACKNOWLEDGED: { status: 409, title: 'A critical alert of the study is not acknowledged' },
  DICOM_PARSE_FAILED: { status: 422, title: 'DICOM data set could not be parsed' },
  DICOM_MISSING_ATTRIBUTE: { status: 422, title: 'Required DICOM attribute missing' },
  // The index on PostgreSQL (src/db/postgres/): the server did not answer in time or the connection is gone.
  INDEX_UNAVAILABLE: { status: 503, title: 'The index database cannot be reached' },
  STORE_WRITE_FAILED: { status: 507, title: 'Storage write failed' },
  STORE_FILE_MISSING: { status: 500, title: 'Stored file missing' },
  DICOM_PEER_UNAVAILABLE: { status: 502, title: 'DICOM peer unavailable' },
  DICOM_ECHO_FAILED: { status: 502, title: 'DICOM peer did not answer the C-ECHO with success' },
  NOT_READY: { status: 503, title: 'Not ready' },
  VIEWER_NOT_INSTALLED: { status: 503, title: 'The viewer is not installed' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  DICOMWEB_BAD_QUERY: { status: 400, title: 'DICOMweb query does not fit the information model' },
  DICOMWEB_NOT_ACCEPTABLE: { status: 406, title: 'No representation the client accepts' },
  DICOMWEB_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  // Plugins (src/plugins/): a refused plugin is not loaded; the others still are.
  PLUGIN_NOT_FOUND: { status: 500, title: 'Enabled plugin not found' },
  PLUGIN_LOAD_FAILED: { status: 500, title: 'Plugin module could not be loaded' },
  PLUGIN_INVALID: { status: 500, title: 'Plugin definition is invalid' },
  PLUGIN_DUPLICATE_ID: { status: 500, title: 'Two plugin folders hold the same id' },
  PLUGIN_UNKNOWN_HOOK: { status: 500, title: 'Plugin uses a hook the core does not have' },
  PLUGIN_CORE_VERSION: { status: 500, title: 'Plugin does not support this core version' },
  PLUGIN_MISSING_DEPENDENCY: { status: 500, title: 'Plugin dependency not loaded' },
  PLUGIN_DEPENDENCY_CYCLE: { status: 500, title: 'Plugins depend on each other in a cycle' },
  PLUGIN_CONFIG_INVALID: { status: 500, title: 'Plugin configuration is invalid' },
  PLUGIN_ROUTE_UNGUARDED: { status: 500, title: 'Plugin route declares no roles' },
  PLUGIN_HOOK_FAILED: { status: 500, title: 'Plugin hook failed' },
  PLUGIN_HOOK_TIMEOUT: { status: 500, title: 'Plugin hook ran past its time limit' },
  INTERNAL: { status: 500, title: 'Internal error' },
  // Routing rules (src/rules/): a rule set that did not pass its checks, and was not applied.
  RULES_INVALID: { status: 422, title: 'Routing rules are invalid' },
  RULES_FILE_WRITE_FAILED: { status: 500, title: 'Routing rules file could not be written' },
  // HL7 v2 and MLLP (src/hl7/): what a peer or the wire did.
  HL7_PARSE_FAILED: { status: 422, title: 'HL7 v2 message could not be parsed' },
  MLLP_CONNECT_FAILED: { status: 502, title: 'MLLP peer unreachable' },
  MLLP_TLS_FAILED: { status: 502, title: 'MLLP TLS handshake failed' },
  MLLP_TIMEOUT: { status: 504, title: 'MLLP peer did not answer in time' },
  MLLP_CONNECTION_CLOSED: { status: 502, title: 'MLLP connection closed before the answer' },
  MLLP_FRAME_TOO_LARGE: { status: 502, title: 'MLLP frame larger than the limit' },
  // Alert delivery (src/alerts/): the sender retries or dead-letters on these codes.
  ALERT_NACK_ERROR: { status: 502, title: 'HL7 peer could not take the message now (retried)' },
  ALERT_NACK_REJECT: { status: 502, title: 'HL7 peer refused the message (not retried)' },
  ALERT_ACK_MALFORMED: { status: 502, title: 'HL7 peer answered with a malformed acknowledgement' },
  ALERT_HTTP_UNREACHABLE: { status: 502, title: 'HTTP destination unreachable' },
  ALERT_HTTP_TIMEOUT: { status: 504, title: 'HTTP destination did not answer in time' },
  ALERT_HTTP_TLS_FAILED: { status: 502, title: 'TLS with the HTTP destination failed' },
  ALERT_HTTP_RETRY_LATER: { status: 503, title: 'HTTP destination asked to retry later' },
  ALERT_HTTP_SERVER_ERROR: { status: 502, title: 'HTTP destination failed (5xx)' },
  ALERT_HTTP_REJECTED: { status: 502, title: 'HTTP destination rejected the request (4xx)' },
  ALERT_AUTH_FAILED: { status: 502, title: 'Destination refused our credentials' },
  ALERT_RESPONSE_MALFORMED: { status: 502, title: 'Destination answered with something we cannot read' },
  ALERT_DICOM_BUSY: { status: 503, title: 'DICOM destination is out of resources' },
  ALERT_DICOM_REFUSED: { status: 502, title: 'DICOM destination refused the object (not retried)' },
  ALERT_DICOM_NO_RESPONSE: { status: 502, title: 'DICOM destination did not answer for the object' },
  ALERT_CONTEXT_MISSING: { status: 409, title: 'The study of the alert is no longer in the index' },
  ALERT_GAVE_UP: { status: 504, title: 'Delivery gave up after its retry window' },
  ALERT_DESTINATION_UNKNOWN: { status: 404, title: 'No such alert destination' },
  // triage: a series the pipeline refuses (the job fails, permanently)
  TRIAGE_MODALITY_MISMATCH: { status: 422, title: 'Series modality does not match the model' },
  TRIAGE_UNSUPPORTED_PIXELS: { status: 422, title: 'Unsupported pixel format or photometric interpretation' },
  TRIAGE_UNSUPPORTED_TRANSFER_SYNTAX: { status: 422, title: 'Transfer syntax the pipeline cannot decode' },
  TRIAGE_CORRUPT_FRAME: { status: 422, title: 'A frame could not be decoded' },
  TRIAGE_INCONSISTENT_GEOMETRY: { status: 422, title: 'Images of the series do not form one volume' },
  TRIAGE_SERIES_GAP: { status: 422, title: 'The series has a gap between slices' },
  TRIAGE_UNEXPECTED_IMAGE_COUNT: { status: 422, title: 'The series has the wrong number of images for the model' },
  TRIAGE_INPUT_TOO_LARGE: { status: 422, title: 'The series is larger than the model accepts' },
  // triage: models and running them
  TRIAGE_PACK_INVALID: { status: 422, title: 'Model pack is invalid' },
  TRIAGE_MODEL_UNAVAILABLE: { status: 409, title: 'Model is unavailable or disabled' },
  TRIAGE_MODEL_FAILED: { status: 500, title: 'The model failed on this input' },
  TRIAGE_TIMEOUT: { status: 504, title: 'Triage job exceeded its time bound' },
  TRIAGE_MEMORY_LIMIT: { status: 507, title: 'Triage job exceeded its memory bound' },
  TRIAGE_WORKER_CRASHED: { status: 500, title: 'Triage worker stopped unexpectedly' },
  // the durable job queue (src/queue/): a job whose worker held its lease past the end (it died, or hung)
  QUEUE_LEASE_EXPIRED: { status: 500, title: 'The worker of a queued job stopped holding it' },
  // a queued job's attempt that threw or ran past its time limit (src/queue/worker.ts; retried on its policy)
  QUEUE_JOB_FAILED: { status: 500, title: 'An attempt of a queued job failed' },
  // across nodes (src/cluster/): an event too large for one PostgreSQL notification is not relayed
  CLUSTER_EVENT_TOO_LARGE: { status: 500, title: 'Event too large to relay to the other nodes' },
  // a relayed event from another node that this node cannot read (another version, or not ours): dropped
  CLUSTER_EVENT_MALFORMED: { status: 500, title: 'Relayed event from another node is malformed' },
  // triage at a site: calibrating a site operating point from local evidence
  CALIBRATION_TOO_FEW_CASES: { status: 422, title: 'Too few local cases to propose an operating point' },
  // `vigil demo` (src/tools/demo/): the demo drives a running node over its API and DICOM port.
  DEMO_NODE_UNREACHABLE: { status: 502, title: 'The node the demo drives cannot be reached' },
  DEMO_API_REFUSED: { status: 502, title: 'The node refused a request of the demo (API or DICOM)' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A registered symbol: it is the same in every copy of this module. */
const VIGIL_ERROR = Symbol.for('vigil.error');

export class VigilError extends Error {
  /**
   * `instanceof` by brand: an error made by another copy of this module is still a VigilError
   * (a plugin's SDK, loaded as an ES module, beside a host loaded through require in tests).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[VIGIL_ERROR] === true;
  }

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
    Object.defineProperty(this, VIGIL_ERROR, { value: true });
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

/** Node's codes for a failed TLS handshake or certificate check (OpenSSL's and Node's own). */
export function isTlsFailure(err: unknown): boolean {
  return /^(ERR_SSL_|ERR_TLS_)|CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME/.test(systemErrorCode(err) ?? '');
}
