import { Router } from 'express';
import { z } from 'zod';
import { VigilError } from '../../core/errors.js';
import type { TriageEngine } from '../../triage/engine.js';
import type { Manifest } from '../../triage/manifest.js';
import { parseCalibrationRequest, proposalFor } from '../../triage/site/calibration-request.js';
import { MAX_REASON_CHARS, MODEL_MODES } from '../../triage/site/model-site-store.js';
import { allow, allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

const reason = z.string().max(MAX_REASON_CHARS).optional();
const modeBody = z.strictObject({ mode: z.enum(MODEL_MODES), reason });
const rollbackBody = z.strictObject({ to: z.union([z.number().int().min(1), z.literal('shipped')]) });
const modeRollbackBody = z.strictObject({ to: z.number().int().min(1) });

/**
 * A model at this site (IT): shadow or live per pack version, and the site operating point
 * proposed from local evidence and applied, each versioned with rollback. No patient data: the
 * evidence is counted, never listed. Changes are audited (every non-GET request is).
 */
export function modelSiteRoutes(deps: ApiDeps & { triage: TriageEngine }): Router {
  const router = Router();
  const { registry } = deps.triage;
  const site = registry.site;
  const limits = deps.config.triage.calibration;

  router.get('/models/:id/site', allowUnaudited('it'), (req, res) => {
    parseQuery(req, {});
    const manifest = installed(deps.triage, req.params.id);
    res.json({
      modelId: manifest.id,
      packVersion: manifest.version,
      mode: site.modeOf(manifest.id, manifest.version),
      operatingPoint: site.decidingPoint(manifest),
      modeHistory: site.modeHistory(manifest.id),
      operatingPointHistory: site.sitePointHistory(manifest.id),
    });
  });

  router.post('/models/:id/mode', allow('it'), (req, res) => {
    parseQuery(req, {});
    const manifest = installed(deps.triage, req.params.id);
    const body = parseBody(modeBody, req.body);
    res
      .status(201)
      .json(site.setMode({ modelId: manifest.id, packVersion: manifest.version, mode: body.mode, author: req.auth!.tokenName, reason: body.reason }));
  });
  router.post('/models/:id/mode/rollback', allow('it'), (req, res) => {
    parseQuery(req, {});
    const manifest = installed(deps.triage, req.params.id);
    const body = parseBody(modeRollbackBody, req.body);
    res.status(201).json(site.rollbackMode(manifest.id, manifest.version, body.to, req.auth!.tokenName));
  });

  // A proposal only: nothing changes until IT applies one.
  router.post('/models/:id/calibration', allow('it'), (req, res) => {
    parseQuery(req, {});
    const manifest = installed(deps.triage, req.params.id);
    res.json(proposalFor(manifest, site, parseCalibrationRequest(req.body), limits));
  });
  // Applies the proposal the same evidence gives now; `expectedThreshold` (the one IT reviewed)
  // refuses it with CONFLICT when new verdicts have moved it since.
  router.post('/models/:id/operating-point', allow('it'), (req, res) => {
    parseQuery(req, {});
    const manifest = installed(deps.triage, req.params.id);
    const request = parseCalibrationRequest(req.body, { expectedThreshold: z.number().min(0).max(1).optional(), reason });
    const proposal = proposalFor(manifest, site, request, limits);
    const expected = request.expectedThreshold as number | undefined;
    if (expected !== undefined && Math.abs(expected - proposal.threshold) > 1e-9) {
      throw new VigilError('CONFLICT', `the evidence now proposes threshold ${proposal.threshold}, not the ${expected} reviewed: review the new proposal`, {
        extra: { proposal },
      });
    }
    res.status(201).json(site.applySitePoint(proposal, req.auth!.tokenName, request.reason as string | undefined));
  });
  router.post('/models/:id/operating-point/rollback', allow('it'), (req, res) => {
    parseQuery(req, {});
    const manifest = installed(deps.triage, req.params.id);
    const body = parseBody(rollbackBody, req.body);
    res.status(201).json(site.rollbackSitePoint(manifest.id, manifest.version, body.to, req.auth!.tokenName));
  });
  return router;
}

/** The installed, checked pack of a model: its version is what every decision is about. */
function installed(triage: TriageEngine, id: string | undefined): Manifest {
  const model = id ? triage.registry.get(id) : undefined;
  if (!model) throw new VigilError('NOT_FOUND', 'no such model');
  if (!model.manifest)
    throw new VigilError('TRIAGE_MODEL_UNAVAILABLE', `model "${model.id}" is ${model.status}${model.reason ? `: ${model.reason.detail}` : ''}`);
  return model.manifest;
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new VigilError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}
