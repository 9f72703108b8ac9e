import { isVigilError, type ErrorCode } from '../core/errors.js';

/**
 * What a failed delivery attempt means, decided on the error code alone (never its text):
 * - retry: try the same message again later (same idempotency key);
 * - dead: the destination refused the message itself; resending it unchanged will not help,
 *   so it waits in the dead letters for a person (POST /alerts/:id/retry);
 * - destinationDown: counts towards the destination's circuit breaker.
 */
export interface FailurePolicy {
  retry: boolean;
  destinationDown: boolean;
}

const RETRY_DOWN: FailurePolicy = { retry: true, destinationDown: true };
const RETRY: FailurePolicy = { retry: true, destinationDown: false };
const DEAD: FailurePolicy = { retry: false, destinationDown: false };

const POLICIES: Partial<Record<ErrorCode, FailurePolicy>> = {
  MLLP_CONNECT_FAILED: RETRY_DOWN,
  MLLP_TIMEOUT: RETRY_DOWN,
  MLLP_CONNECTION_CLOSED: RETRY_DOWN,
  // A certificate problem lasts until someone fixes it; keep trying so nothing is lost meanwhile.
  MLLP_TLS_FAILED: RETRY_DOWN,
  MLLP_FRAME_TOO_LARGE: RETRY_DOWN,
  ALERT_NACK_ERROR: RETRY,
  ALERT_NACK_REJECT: DEAD,
  // We cannot tell whether a malformed answer meant yes: resend (same control id) until it is clear.
  ALERT_ACK_MALFORMED: RETRY,
  ALERT_HTTP_UNREACHABLE: RETRY_DOWN,
  ALERT_HTTP_TIMEOUT: RETRY_DOWN,
  ALERT_HTTP_TLS_FAILED: RETRY_DOWN,
  ALERT_HTTP_SERVER_ERROR: RETRY_DOWN,
  ALERT_HTTP_RETRY_LATER: RETRY,
  ALERT_HTTP_REJECTED: DEAD,
  ALERT_AUTH_FAILED: DEAD,
  ALERT_RESPONSE_MALFORMED: RETRY,
  ALERT_CONTEXT_MISSING: DEAD,
  DICOM_PEER_UNAVAILABLE: RETRY_DOWN,
  // A PACS that dropped the association part-way, or never took the SOP class: the retry window decides.
  ALERT_DICOM_NO_RESPONSE: RETRY_DOWN,
  ALERT_DICOM_BUSY: RETRY,
  ALERT_DICOM_REFUSED: DEAD,
};

/** Unknown errors (a bug of ours) are retried: the alert stays visible rather than lost. */
export function failurePolicy(err: unknown): FailurePolicy {
  return (isVigilError(err) && POLICIES[err.code]) || RETRY;
}
