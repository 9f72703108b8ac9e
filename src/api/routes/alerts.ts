import { Router, type Request } from 'express';
import type { AlertsPart } from '../../alerts/alerts.js';
import { redactDestination } from '../../alerts/destinations.js';
import { ALERT_STATES, DELIVERY_STATES, type Alert, type AlertState, type Delivery, type DeliveryState } from '../../alerts/model.js';
import { VigilError } from '../../core/errors.js';
import { allow, allowUnaudited, auditResources } from '../../auth/allow.js';
import { oneOf, parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** A destination check waits this long for the peer (a person is waiting for the answer). */
const DESTINATION_CHECK_TIMEOUT_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Alerts: what was raised, where it went, acknowledgement, and the dead letters.
 * - Alerts name a study and its accession number: audited reads for radiologists and services
 *   (a RIS following them); radiologists acknowledge.
 * - IT works the outbox without patient data: deliveries (our own error words, not the peer's),
 *   retry and cancel by alert id, and the destinations (secrets masked), which it can check.
 */
export function alertRoutes(deps: ApiDeps): Router {
  const router = Router();
  const part = (): AlertsPart => {
    if (!deps.alerts) throw new VigilError('NOT_FOUND', 'alerts are not part of this node');
    return deps.alerts;
  };

  router.get('/alerts/deliveries', allowUnaudited('it', 'service'), (req, res) => {
    const q = parseQuery(req, { state: 'string', destination: 'string', after: 'int', limit: 'int' });
    const state = oneOf<DeliveryState>(q.state, DELIVERY_STATES, 'state');
    res.json(
      part()
        .deliveries.list({ state, destinationId: q.destination, after: q.after, limit: limit(q.limit) })
        .map((d) => deliveryView(d, false)),
    );
  });

  router.get('/alerts/destinations', allowUnaudited('it'), (req, res) => {
    parseQuery(req, {});
    const p = part();
    const pending = p.deliveries.pendingCounts();
    res.json(
      p.destinations.all().map(({ config, source }) => ({
        ...redactDestination(config),
        source,
        pending: pending.get(config.id) ?? 0,
        status: p.sender.status(config.id) ?? null,
      })),
    );
  });

  router.post('/alerts/destinations', allow('it'), (req, res) => {
    const p = part();
    const id = (req.body as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && p.destinations.get(id))
      throw new VigilError('CONFLICT', `destination "${id}" exists; PUT /alerts/destinations/${id} replaces it`);
    const dest = p.destinations.put(req.body, p.clock.now());
    res.status(201).json(redactDestination(dest));
  });

  router.put('/alerts/destinations/:destinationId', allow('it'), (req, res) => {
    const p = part();
    res.json(redactDestination(p.destinations.put(req.body, p.clock.now(), req.params.destinationId)));
  });

  // "Test connection": reaches the destination as a delivery would, with no patient data.
  router.post('/alerts/destinations/:destinationId/check', allow('it'), async (req, res) => {
    res.json(await part().checkDestination(req.params.destinationId, DESTINATION_CHECK_TIMEOUT_MS));
  });

  router.delete('/alerts/destinations/:destinationId', allow('it'), (req, res) => {
    const p = part();
    p.destinations.remove(req.params.destinationId, p.deliveries.pendingCounts().get(req.params.destinationId) ?? 0);
    res.status(204).end();
  });

  router.get('/alerts', allow('radiologist', 'service'), (req, res) => {
    const q = parseQuery(req, { state: 'string', critical: 'bool', studyId: 'string', before: 'string', limit: 'int' });
    const before = q.before === undefined ? undefined : Date.parse(q.before);
    if (Number.isNaN(before)) throw new VigilError('BAD_REQUEST', 'query parameter "before" must be an ISO 8601 time');
    const p = part();
    const alerts = p.alerts.list({
      state: oneOf<AlertState>(q.state, ALERT_STATES, 'state'),
      critical: q.critical,
      studyId: q.studyId,
      before,
      limit: limit(q.limit),
    });
    auditResources(
      req,
      alerts.flatMap((a) => [a.id, a.studyId]),
    );
    res.json(alerts.map((a) => alertView(a, p.deliveries.ofAlert(a.id), false)));
  });

  router.get('/alerts/:alertId', allow('radiologist', 'service'), (req, res) => {
    const p = part();
    const alert = find(p, req);
    auditResources(req, [alert.studyId]);
    res.json(alertView(alert, p.deliveries.ofAlert(alert.id), true));
  });

  router.post('/alerts/:alertId/acknowledge', allow('radiologist'), (req, res) => {
    const p = part();
    const body = (req.body ?? {}) as { note?: unknown };
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 1000)) {
      throw new VigilError('BAD_REQUEST', 'note must be text of at most 1000 characters');
    }
    const alert = p.outbox.acknowledge(find(p, req).id, req.auth!.tokenName, body.note ?? null);
    res.json(alertView(alert, p.deliveries.ofAlert(alert.id), false));
  });

  router.post('/alerts/:alertId/retry', allow('it'), (req, res) => {
    const p = part();
    res.json({ retried: p.outbox.retry(find(p, req).id, req.auth!.tokenName) });
  });

  router.post('/alerts/:alertId/cancel', allow('it'), (req, res) => {
    const p = part();
    res.json({ cancelled: p.outbox.cancel(find(p, req).id, req.auth!.tokenName) });
  });

  return router;
}

function find(p: AlertsPart, req: Request<{ alertId: string }>): Alert {
  const id = req.params.alertId;
  if (!UUID.test(id)) throw new VigilError('INVALID_ID', 'alert ids are UUIDs');
  const alert = p.alerts.get(id);
  if (!alert) throw new VigilError('NOT_FOUND', 'no such alert');
  return alert;
}

function limit(n: number | undefined): number {
  return Math.min(Math.max(n ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The peer's own words (which may quote patient data) only on the audited single-alert read. */
function deliveryView(d: Delivery, withPeerText: boolean): Record<string, unknown> {
  return {
    seq: d.seq,
    alertId: d.alertId,
    destination: d.destinationId,
    channel: d.channel,
    kind: d.kind,
    escalationLevel: d.escalationLevel,
    state: d.state,
    attempts: d.attempts,
    stepsDone: d.stepsDone,
    nextAttemptAt: d.state === 'pending' ? iso(d.nextAttemptAt) : null,
    lastAttemptAt: iso(d.lastAttemptAt),
    lastErrorCode: d.lastErrorCode,
    lastError: d.lastError,
    ...(withPeerText ? { lastPeerText: d.lastPeerText } : {}),
    createdAt: iso(d.createdAt),
    deliveredAt: iso(d.deliveredAt),
    timeToNotificationMs: d.timeToNotificationMs,
    closedReason: d.closedReason,
  };
}

function alertView(a: Alert, deliveries: Delivery[], withPeerText: boolean): Record<string, unknown> {
  const f = a.finding;
  const firstArrivals = deliveries.filter((d) => d.kind === 'alert' && d.timeToNotificationMs !== null).map((d) => d.timeToNotificationMs!);
  return {
    id: a.id,
    state: a.state,
    critical: a.critical,
    priority: a.priority,
    concept: a.concept,
    probability: f.probability,
    threshold: f.threshold,
    operatingPoint: f.operatingPoint,
    model: { id: a.modelId, version: a.modelVersion, deviceUid: f.deviceUid },
    findingId: a.findingId,
    studyId: a.studyId,
    studyInstanceUid: a.studyInstanceUid,
    seriesInstanceUid: f.seriesInstanceUid,
    accessionNumber: f.accessionNumber,
    keyInstanceId: f.keyInstanceId,
    findingStoredAt: iso(a.findingStoredAt),
    createdAt: iso(a.createdAt),
    /** The first destination to acknowledge: finding stored → delivered. */
    timeToNotificationMs: firstArrivals.length > 0 ? Math.min(...firstArrivals) : null,
    acknowledged: a.acknowledgedAt === null ? null : { at: iso(a.acknowledgedAt), by: a.acknowledgedBy, note: a.acknowledgementNote },
    escalation: { level: a.escalationLevel, nextAt: iso(a.escalateAt) },
    supersededBy: a.supersededBy,
    /** What receiving systems know the result by; not the alert's own id when it corrects an earlier one. */
    resultId: a.resultId,
    replaces: a.replaces,
    /** Made on part of a series still arriving (an early positive); its confirmation follows at completion. */
    preliminary: f.preliminary === true,
    /** The complete series' result confirming an earlier preliminary alert of the same result id. */
    confirms: a.confirms,
    withdrawn: a.withdrawal === null ? null : { at: iso(a.withdrawnAt), findingId: a.withdrawal.id, probability: a.withdrawal.probability },
    deliveries: deliveries.map((d) => deliveryView(d, withPeerText)),
  };
}
