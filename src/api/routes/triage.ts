import { Router } from 'express';
import { z } from 'zod';
import { VigilError } from '../../core/errors.js';
import { PRIORITIES } from '../../domain/priority.js';
import { inputShape } from '../../triage/manifest.js';
import { JOB_STATES, type Job, type JobState } from '../../triage/jobs.js';
import type { TriageEngine } from '../../triage/engine.js';
import type { Finding } from '../../domain/finding.js';
import type { ModelEntry } from '../../triage/registry.js';
import { allow, allowUnaudited, auditResources } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';
import { checkId } from './resources.js';
import { isUuid } from '../uuid.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const enqueueBody = z.strictObject({
  seriesId: z.string(),
  modelId: z.string().min(1).max(64),
  priority: z.enum(PRIORITIES).optional(),
  seriesVersion: z.number().int().min(1).optional(),
});

/**
 * Models (IT switches them on and off), the triage job queue, and findings with their key
 * images. Models and jobs carry no patient data; findings are about a patient's study.
 */
export function triageRoutes(deps: ApiDeps & { triage: TriageEngine }): Router {
  const router = Router();
  const { triage } = deps;

  router.get('/models', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    res.json(triage.registry.list().map((m) => modelView(m, triage)));
  });
  router.get('/models/:id', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    res.json(modelView(findModel(triage, req.params.id), triage, true));
  });
  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`/models/:id/${action}`, allow('it'), (req, res) => {
      parseQuery(req, {});
      findModel(triage, req.params.id);
      res.json(modelView(triage.registry.setEnabled(req.params.id, enabled), triage));
    });
  }

  router.get('/jobs', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    const q = parseQuery(req, { state: 'string', seriesId: 'string', modelId: 'string', limit: 'int', since: 'int' });
    if (q.state !== undefined && !(JOB_STATES as readonly string[]).includes(q.state)) {
      throw new VigilError('BAD_REQUEST', `state must be one of ${JOB_STATES.join(', ')}`);
    }
    const jobs = triage.jobs.list({
      state: q.state as JobState | undefined,
      seriesId: q.seriesId === undefined ? undefined : checkId(q.seriesId),
      modelId: q.modelId,
      limit: Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT),
      offset: q.since ?? 0,
    });
    res.json({ counts: triage.jobs.counts(), jobs: jobs.map(jobView) });
  });
  router.post('/jobs', allow('it', 'radiologist'), (req, res) => {
    parseQuery(req, {});
    const parsed = enqueueBody.safeParse(req.body);
    if (!parsed.success) throw new VigilError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { job, created } = triage.enqueue({ ...parsed.data, seriesId: checkId(parsed.data.seriesId) });
    res.status(created ? 201 : 200).json(jobView(job));
  });
  router.get('/jobs/:id', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    res.json(jobView(findJob(triage, req.params.id)));
  });
  router.post('/jobs/:id/retry', allow('it'), (req, res) => {
    parseQuery(req, {});
    res.json(jobView(triage.retry(uuid(req.params.id))));
  });
  router.post('/jobs/:id/cancel', allow('it'), (req, res) => {
    parseQuery(req, {});
    res.json(jobView(triage.cancel(uuid(req.params.id))));
  });

  router.get('/findings', allow('radiologist'), (req, res) => {
    const q = parseQuery(req, { seriesId: 'string', studyId: 'string', modelId: 'string', positive: 'bool', limit: 'int', since: 'int' });
    const findings = triage.findings.list({
      seriesId: q.seriesId === undefined ? undefined : checkId(q.seriesId),
      studyId: q.studyId === undefined ? undefined : checkId(q.studyId),
      modelId: q.modelId,
      positive: q.positive,
      limit: Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT),
      offset: q.since ?? 0,
    });
    // The audit row names the studies whose findings were read (the finding ids are in no URL).
    auditResources(req, [...new Set(findings.map((f) => f.studyId))]);
    res.json(findings.map(findingView));
  });
  router.get('/findings/:id', allow('radiologist'), (req, res) => {
    parseQuery(req, {});
    const finding = findFinding(triage, req.params.id);
    auditResources(req, [finding.studyId]);
    res.json(findingView(finding));
  });
  router.get('/findings/:id/key-image', allow('radiologist'), (req, res) => {
    parseQuery(req, {});
    const finding = findFinding(triage, req.params.id);
    const png = triage.findings.keyImage(finding.id);
    if (!png) throw new VigilError('NOT_FOUND', 'this finding has no key image');
    auditResources(req, [finding.studyId]);
    res.type('image/png').send(png);
  });
  return router;
}

function uuid(id: string | undefined): string {
  if (!id || !isUuid(id)) throw new VigilError('INVALID_ID', 'job and finding ids are UUIDs');
  return id;
}

function findFinding(triage: TriageEngine, id: string | undefined): Finding {
  const finding = triage.findings.get(uuid(id));
  if (!finding) throw new VigilError('NOT_FOUND', 'no such finding');
  return finding;
}

function findJob(triage: TriageEngine, id: string | undefined): Job {
  const job = triage.jobs.get(uuid(id));
  if (!job) throw new VigilError('NOT_FOUND', 'no such job');
  return job;
}

function findModel(triage: TriageEngine, id: string | undefined): ModelEntry {
  const model = id ? triage.registry.get(id) : undefined;
  if (!model) throw new VigilError('NOT_FOUND', 'no such model');
  return model;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function jobView(job: Job) {
  return { ...job, createdAt: iso(job.createdAt), availableAt: iso(job.availableAt), startedAt: iso(job.startedAt), finishedAt: iso(job.finishedAt) };
}

function findingView(finding: Finding) {
  return { ...finding, createdAt: iso(finding.createdAt), keyImage: finding.hasKeyImage ? `/findings/${finding.id}/key-image` : null };
}

function modelView(model: ModelEntry, triage: TriageEngine, detail = false) {
  const m = model.manifest;
  const site = triage.registry.site;
  const summary = {
    id: model.id,
    status: model.status,
    reason: model.reason,
    enabled: model.enabled,
    // IT's decisions for the installed version (GET /models/{id}/site has their history).
    mode: m ? site.modeOf(m.id, m.version).mode : null,
    operatingPointInForce: m ? site.decidingPoint(m) : null,
    name: m?.name ?? null,
    version: m?.version ?? null,
    deviceUid: m?.deviceUid ?? null,
    intendedUse: m?.intendedUse ?? null,
    modality: m?.modality ?? null,
    bodyPart: m?.bodyPart ?? null,
    finding: m?.finding ?? null,
    operatingPoints: m?.operatingPoints ?? null,
    defaultOperatingPoint: m?.defaultOperatingPoint ?? null,
    input: m ? { kind: m.input.kind, layout: m.input.layout, shape: inputShape(m.input) } : null,
  };
  return detail ? { ...summary, manifest: m, modelCard: model.card } : summary;
}
