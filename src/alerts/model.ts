import type { ChannelType } from '../config/sections/alerts.js';
import type { CodedConcept, Finding } from '../domain/finding.js';
import type { Priority } from '../domain/priority.js';

/**
 * open: raised, waiting for a radiologist; acknowledged: a radiologist took it;
 * superseded: a later finding on the same study, concept and model version changed the result
 * (the alert that says the new one is `supersededBy`); withdrawn: a later finding of that
 * model on that study is negative, so the result no longer stands (escalation stops and the
 * destinations that had the alert are told).
 */
export const ALERT_STATES = ['open', 'acknowledged', 'superseded', 'withdrawn'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * pending: waiting for (or between) attempts; delivered: the destination acknowledged it;
 * dead: will not be retried without a person (POST /alerts/:id/retry); cancelled: by a person
 * or because its alert was superseded.
 */
export const DELIVERY_STATES = ['pending', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** alert: the result; escalation: the result again, to the next level; withdrawal: the result no longer stands. */
export const DELIVERY_KINDS = ['alert', 'escalation', 'withdrawal'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

export interface Alert {
  id: string;
  findingId: string;
  studyId: string;
  studyInstanceUid: string;
  modelId: string;
  modelVersion: string;
  concept: CodedConcept;
  critical: boolean;
  priority: Priority;
  probability: number;
  state: AlertState;
  supersededBy: string | null;
  /**
   * What receiving systems know the result by (HL7 filler order number, FHIR identifier): the
   * id of the first alert for this study, concept and model version. An alert whose resultId
   * is not its own id corrects an earlier one, and its messages say so.
   */
  resultId: string;
  /** The alert this one superseded. */
  replaces: string | null;
  /**
   * The alert superseded a preliminary one (an early run on part of the series) and its final
   * finding says the same result: its messages make the result final, they correct nothing.
   */
  confirms: boolean;
  withdrawnAt: number | null;
  /** The negative finding that withdrew the alert. */
  withdrawal: Finding | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgementNote: string | null;
  escalationLevel: number;
  escalateAt: number | null;
  findingStoredAt: number;
  createdAt: number;
  finding: Finding;
}

export interface Delivery {
  seq: number;
  alertId: string;
  destinationId: string;
  channel: ChannelType;
  kind: DeliveryKind;
  escalationLevel: number | null;
  idempotencyKey: string;
  state: DeliveryState;
  stepsDone: number;
  attempts: number;
  nextAttemptAt: number;
  /** The give-up window runs from here: creation, or the last manual retry. */
  retryWindowFrom: number;
  lastAttemptAt: number | null;
  lastErrorCode: string | null;
  lastError: string | null;
  lastPeerText: string | null;
  createdAt: number;
  deliveredAt: number | null;
  /** Finding stored → destination acknowledged. */
  timeToNotificationMs: number | null;
  closedReason: string | null;
}

/** The alert's messages correct a result the destinations may already hold. */
export function isCorrection(alert: Alert): boolean {
  return alert.resultId !== alert.id && !alert.confirms;
}

/** The destinations may already hold a message under the alert's result id (a correction or a confirmation). */
export function followsEarlierResult(alert: Alert): boolean {
  return alert.resultId !== alert.id;
}

/** "system|code": what makes two findings the same finding. */
export function conceptKey(concept: CodedConcept): string {
  return `${concept.system}|${concept.code}`;
}
