import { z } from 'zod';
import { VigilError } from '../../core/errors.js';
import type { Manifest } from '../manifest.js';
import { type CalibrationLimits, type CalibrationProposal, EVIDENCE_SOURCES, proposeOperatingPoint } from './calibrate.js';
import type { ModelSiteStore } from './model-site-store.js';

/** The most labelled cases one request may carry (`from: labelled`). */
export const MAX_LABELLED_CASES = 100_000;

/** What the API and the CLI ask for: a target sensitivity, from feedback or from labelled cases. */
export const calibrationRequestSchema = z.strictObject({
  targetSensitivity: z.number().gt(0).max(1),
  from: z.enum(EVIDENCE_SOURCES).default('feedback'),
  /** from 'labelled': each case's probability (scored by this pack version) and its label. */
  cases: z
    .array(z.strictObject({ score: z.number().min(0).max(1), label: z.union([z.literal(0), z.literal(1)]) }))
    .max(MAX_LABELLED_CASES)
    .optional(),
});
export type CalibrationRequest = z.infer<typeof calibrationRequestSchema>;

/** Parses a request body or throws BAD_REQUEST naming each field at fault. */
export function parseCalibrationRequest(body: unknown, extra: z.ZodRawShape = {}): CalibrationRequest & Record<string, unknown> {
  const parsed = calibrationRequestSchema.extend(extra).safeParse(body ?? {});
  if (!parsed.success) throw new VigilError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const r = parsed.data as CalibrationRequest & Record<string, unknown>;
  if (r.from === 'labelled' && !r.cases) throw new VigilError('BAD_REQUEST', 'cases: from "labelled" needs the labelled cases ({score, label} each)');
  if (r.from === 'feedback' && r.cases) throw new VigilError('BAD_REQUEST', 'cases: only with from "labelled" (feedback is read from the worklist)');
  return r;
}

/** A proposal for the installed pack version from the evidence the request names. */
export function proposalFor(manifest: Manifest, site: ModelSiteStore, request: CalibrationRequest, limits: CalibrationLimits): CalibrationProposal {
  const evidence =
    request.from === 'feedback'
      ? { from: 'feedback' as const, ...site.feedbackEvidence(manifest.id, manifest.version) }
      : { from: 'labelled' as const, cases: request.cases ?? [], excluded: 0 };
  return proposeOperatingPoint(manifest, evidence, request.targetSensitivity, limits);
}
