import { Router, type Request } from 'express';
import type { AlertsPart } from '../../alerts/alerts.js';
import type { AlertQuery } from '../../alerts/alert-store.js';
import { VigilError } from '../../core/errors.js';
import { isResourceId } from '../../domain/resource-ids.js';
import { READING_STATUSES, type ReadingStatus } from '../../worklist/entry.js';
import { entryView, type AlertBrief, type ScopeOf } from '../../worklist/entry-view.js';
import { acknowledgedWithRead, settleCriticalAlerts } from '../../worklist/read-gate.js';
import { MAX_COMMENT_CHARS, VERDICTS, type Verdict } from '../../worklist/feedback-store.js';
import { PRIORITIES, type Priority } from '../../domain/priority.js';
import type { WorklistPart } from '../../worklist/worklist.js';
import { allow, allowUnaudited, auditResources } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';
import { viewerInstalled } from '../viewer/ohif-dist.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
/** Finding ids are triage's (UUIDs today); anything id-like and short is looked up. */
const FINDING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The reading worklist (src/worklist/):
 * - GET /worklist and /worklist/{studyId}: radiologists, and services (a RIS) without patient
 *   names; audited reads, every study returned named in the audit row.
 * - claim / release / read, and feedback on findings: radiologists; audited as changes. A study
 *   whose critical alert is open is not marked read unless the request acknowledges it too
 *   (`{ "acknowledgeAlerts": [id] }`; 409 ALERT_UNACKNOWLEDGED names the alerts otherwise).
 * - Acknowledging a study's alert is the alerts part's POST /alerts/{id}/acknowledge; each
 *   entry names its alert for that.
 * - POST /worklist/events/tickets: a one-time ticket for the live stream (worklist-events.ts).
 * - GET /worklist/monitoring: per-model figures, no patient data: IT too, unaudited.
 */
export function worklistRoutes(deps: ApiDeps): Router {
  const router = Router();
  const builtInViewer = viewerInstalled();
  const part = (): WorklistPart => {
    if (!deps.worklist) throw new VigilError('NOT_FOUND', 'the worklist is not part of this node');
    return deps.worklist;
  };
  const now = (): number => part().now();
  // The scope a pack declares belongs to its version: a result of another version gets none.
  const scopeOf: ScopeOf = (model) => {
    const manifest = deps.triage?.registry.get(model.id)?.manifest;
    return manifest?.version === model.version ? manifest.finding.scope : undefined;
  };

  router.get('/worklist/monitoring', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    const q = parseQuery(req, { days: 'int' });
    const days = Math.min(Math.max(q.days ?? 30, 1), 366);
    res.json({ models: part().monitor.summary(now(), days) });
  });

  router.post('/worklist/events/tickets', allow('radiologist', 'service'), (req, res) => {
    const { ticket, expiresAt } = part().tickets.issue(req.auth!);
    res.status(201).json({ ticket, expiresAt: new Date(expiresAt).toISOString(), url: `/worklist/events?ticket=${ticket}` });
  });

  router.get('/worklist', allow('radiologist', 'service'), (req, res) => {
    const q = parseQuery(req, {
      status: 'string',
      priority: 'string',
      modality: 'string',
      mine: 'bool',
      accession: 'string',
      receivedAfter: 'string',
      aiRaised: 'bool',
      limit: 'int',
      offset: 'int',
    });
    const limit = Math.min(Math.max(q.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
    const offset = q.offset ?? 0;
    const receivedAfter = q.receivedAfter === undefined ? undefined : Date.parse(q.receivedAfter);
    if (Number.isNaN(receivedAfter)) throw new VigilError('BAD_REQUEST', 'query parameter "receivedAfter" must be an ISO 8601 time');
    const { total, entries } = part().query.list({
      // The live list by default: what is still to be read.
      status: listOf<ReadingStatus>(q.status, READING_STATUSES, 'status') ?? ['unread', 'in-progress'],
      priority: listOf<Priority>(q.priority, PRIORITIES, 'priority'),
      modality: q.modality,
      claimedBy: q.mine ? req.auth!.tokenName : undefined,
      accession: q.accession,
      receivedAfter,
      aiRaised: q.aiRaised,
      limit,
      offset,
    });
    auditResources(
      req,
      entries.map((e) => e.studyId),
    );
    const at = now();
    res.json({
      // Who is asking: the page enables the actions this role may take.
      viewer: { name: req.auth!.tokenName, role: req.auth!.role },
      total,
      limit,
      offset,
      now: new Date(at).toISOString(),
      entries: entries.map((e) =>
        entryView(e, {
          role: req.auth!.role,
          now: at,
          alert: alertOf(deps.alerts, e.studyId),
          scopeOf,
          viewerUrlTemplate: deps.config.worklist.viewerUrlTemplate,
          builtInViewer,
        }),
      ),
    });
  });

  router.get('/worklist/:studyId', allow('radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    const p = part();
    const entry = p.query.get(studyIdOf(req));
    if (!entry) throw new VigilError('NOT_FOUND', 'no such study');
    res.json(
      entryView(entry, {
        role: req.auth!.role,
        now: now(),
        alert: alertOf(deps.alerts, entry.studyId),
        feedback: (id) => p.feedback.ofFinding(id),
        scopeOf,
        viewerUrlTemplate: deps.config.worklist.viewerUrlTemplate,
        builtInViewer,
      }),
    );
  });

  router.post('/worklist/:studyId/claim', allow('radiologist'), (req, res) => {
    res.json(part().reading.claim(studyIdOf(req), req.auth!.tokenName, now()));
  });

  router.post('/worklist/:studyId/release', allow('radiologist'), (req, res) => {
    // An admin may free a study someone left claimed (a radiologist who went home).
    res.json(part().reading.release(studyIdOf(req), req.auth!.tokenName, now(), { anyone: req.auth!.role === 'admin' }));
  });

  router.post('/worklist/:studyId/read', allow('radiologist'), (req, res) => {
    const studyId = studyIdOf(req);
    const acknowledging = acknowledgedWithRead(req.body);
    const by = req.auth!.tokenName;
    const alerts = deps.alerts;
    const gate = alerts && {
      list: (q: AlertQuery) => alerts.alerts.list(q),
      get: (id: string) => alerts.alerts.get(id),
      acknowledge: (id: string, who: string, note: string | null) => alerts.outbox.acknowledge(id, who, note),
    };
    res.json(part().reading.markRead(studyId, by, now(), { alongside: gate && (() => settleCriticalAlerts(gate, studyId, acknowledging, by)) }));
  });

  router.post('/worklist/findings/:findingId/feedback', allow('radiologist'), (req, res) => {
    const findingId = req.params.findingId;
    if (!FINDING_ID.test(findingId)) throw new VigilError('INVALID_ID', 'not a finding id');
    const body = (req.body ?? {}) as { verdict?: unknown; comment?: unknown };
    if (typeof body.verdict !== 'string' || !(VERDICTS as readonly string[]).includes(body.verdict)) {
      throw new VigilError('BAD_REQUEST', `verdict must be one of ${VERDICTS.join(', ')}`);
    }
    if (body.comment !== undefined && body.comment !== null && (typeof body.comment !== 'string' || body.comment.length > MAX_COMMENT_CHARS)) {
      throw new VigilError('BAD_REQUEST', `comment must be text of at most ${MAX_COMMENT_CHARS} characters`);
    }
    const comment = typeof body.comment === 'string' && body.comment.trim() !== '' ? body.comment : null;
    const given = part().feedback.give({ findingId, by: req.auth!.tokenName, verdict: body.verdict as Verdict, comment, at: now() });
    res.status(201).json({ ...given, at: new Date(given.at).toISOString() });
  });

  return router;
}

function studyIdOf(req: Request<{ studyId: string }>): string {
  const id = req.params.studyId;
  if (!isResourceId(id)) throw new VigilError('INVALID_ID', 'study ids are five groups of eight lowercase hex digits');
  return id;
}

/** The alert a radiologist would acknowledge: the open one, else the latest. */
function alertOf(alerts: AlertsPart | undefined, studyId: string): AlertBrief | null {
  if (!alerts) return null;
  const list = alerts.alerts.list({ studyId, limit: 20 }).filter((a) => a.state !== 'superseded');
  const chosen = list.find((a) => a.state === 'open') ?? list[0];
  if (!chosen) return null;
  return { id: chosen.id, state: chosen.state, critical: chosen.critical, acknowledgedBy: chosen.acknowledgedBy };
}

function listOf<T extends string>(value: string | undefined, allowed: readonly T[], key: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new VigilError('BAD_REQUEST', `query parameter "${key}" takes ${allowed.join(', ')} (comma-separated)`);
  }
  return items as T[];
}
