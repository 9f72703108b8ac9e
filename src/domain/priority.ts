/**
 * Reading priority, as HL7 v2 table 0027 and FHIR request-priority understand it. Shared by the
 * routing rules (a priority hint), triage (AI raises), alerts (ORM priority S) and the worklist.
 */
export const PRIORITIES = ['stat', 'urgent', 'routine'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Higher is more urgent. */
export const PRIORITY_RANK: Record<Priority, number> = { stat: 3, urgent: 2, routine: 1 };

export function morePressing(a: Priority, b: Priority): Priority {
  return PRIORITY_RANK[a] >= PRIORITY_RANK[b] ? a : b;
}
