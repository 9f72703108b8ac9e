import type { AlertQuery } from '../alerts/alert-store.js';
import type { Alert } from '../alerts/model.js';
import { VigilError } from '../core/errors.js';

/** What the gate needs of the alerts part (its AlertStore and Outbox). */
export interface AlertsForReading {
  list(q: AlertQuery): Alert[];
  get(id: string): Alert | undefined;
  acknowledge(alertId: string, by: string, note: string | null): Alert;
}

/** Most alerts a read request may acknowledge with it. */
export const MAX_ACKNOWLEDGED_WITH_READ = 20;

const ALERT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Said in the alert's acknowledgement note, so its history tells the two ways apart. */
export const ACKNOWLEDGED_WITH_READ_NOTE = 'acknowledged when the study was marked read';

/**
 * `acknowledgeAlerts` of a POST /worklist/{studyId}/read body: absent, or a list of alert ids.
 * Anything else is a BAD_REQUEST before anything changes.
 */
export function acknowledgedWithRead(body: unknown): string[] {
  const value = (body ?? {}) as { acknowledgeAlerts?: unknown };
  if (value.acknowledgeAlerts === undefined) return [];
  const ids = value.acknowledgeAlerts;
  if (!Array.isArray(ids) || ids.length > MAX_ACKNOWLEDGED_WITH_READ || !ids.every((id) => typeof id === 'string' && ALERT_ID.test(id))) {
    throw new VigilError('BAD_REQUEST', `acknowledgeAlerts must be a list of at most ${MAX_ACKNOWLEDGED_WITH_READ} alert ids`);
  }
  return [...new Set(ids as string[])];
}

/**
 * A study is not marked read while one of its critical alerts is open: the radiologist who
 * reports it must have seen the alert, or escalation goes on paging people about a study
 * already read (and nobody knows whether the finding was looked at). The request may name
 * the open alerts in `acknowledgeAlerts` to acknowledge them with the reading.
 *
 * Runs inside the reading's transaction, after its own checks: it either throws before it
 * changes anything (ALERT_UNACKNOWLEDGED naming every open critical alert not named, or
 * BAD_REQUEST for a named alert of another study), or acknowledges the named open alerts,
 * which then commit with the reading or not at all.
 */
export function settleCriticalAlerts(alerts: AlertsForReading, studyId: string, acknowledging: readonly string[], by: string): void {
  for (const id of acknowledging) {
    const alert = alerts.get(id);
    if (!alert || alert.studyId !== studyId) throw new VigilError('BAD_REQUEST', `alert ${id} is not an alert of this study`);
  }
  const open = alerts.list({ studyId, state: 'open', critical: true, limit: 100 });
  const unnamed = open.filter((a) => !acknowledging.includes(a.id));
  if (unnamed.length > 0) {
    const names = unnamed.map((a) => `${a.id} (${a.concept.display}, ${a.modelId} ${a.modelVersion})`).join(', ');
    throw new VigilError(
      'ALERT_UNACKNOWLEDGED',
      `the study's critical alert${unnamed.length > 1 ? 's' : ''} ${names} ${unnamed.length > 1 ? 'are' : 'is'} not acknowledged: acknowledge ${unnamed.length > 1 ? 'them' : 'it'} first, or name ${unnamed.length > 1 ? 'them' : 'it'} in acknowledgeAlerts to acknowledge with the reading`,
      { extra: { alerts: unnamed.map(alertBrief) } },
    );
  }
  // Named alerts that are no longer open (acknowledged by someone else meanwhile, withdrawn) need nothing.
  const stillOpen = new Set(alerts.list({ studyId, state: 'open', limit: 100 }).map((a) => a.id));
  for (const id of acknowledging) if (stillOpen.has(id)) alerts.acknowledge(id, by, ACKNOWLEDGED_WITH_READ_NOTE);
}

/** What the page needs to ask about an alert: no patient data. */
function alertBrief(a: Alert): Record<string, unknown> {
  return {
    id: a.id,
    critical: a.critical,
    concept: a.concept.display,
    model: { id: a.modelId, version: a.modelVersion },
    probability: a.probability,
    createdAt: new Date(a.createdAt).toISOString(),
  };
}
