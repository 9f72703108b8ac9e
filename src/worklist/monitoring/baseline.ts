import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The file beside a pack's manifest: `models/<id>/score-baseline.json`. */
export const BASELINE_FILE = 'score-baseline.json';

/**
 * A model's score distribution on its validation split: the reference the production scores
 * are compared with (population stability index, drift.ts). Optional in a pack: without it,
 * drift is reported as "no-baseline" and never alerts.
 *
 *   { "source": "validation split, 400 phantoms", "deviceUid": "2.25....",
 *     "edges": [0, 0.1, 0.2, ..., 1], "counts": [120, 80, ...] }
 */
export const scoreBaselineSchema = z
  .strictObject({
    /** Where the scores came from, in words (shown on the monitoring page). */
    source: z.string().min(1).max(500),
    /** The model build the scores are of; production scores of other builds are not compared. */
    deviceUid: z.string().min(1).max(64).optional(),
    /** Bin edges over [0, 1], ascending: the first is 0, the last 1. */
    edges: z.array(z.number().min(0).max(1)).min(3).max(101),
    /** Validation scores per bin (edges.length - 1 of them). */
    counts: z.array(z.number().int().min(0)).min(2).max(100),
  })
  .superRefine((b, ctx) => {
    if (b.edges[0] !== 0 || b.edges[b.edges.length - 1] !== 1) ctx.addIssue({ code: 'custom', path: ['edges'], message: 'must start at 0 and end at 1' });
    if (b.edges.some((e, i) => i > 0 && e <= b.edges[i - 1]!)) ctx.addIssue({ code: 'custom', path: ['edges'], message: 'must increase' });
    if (b.counts.length !== b.edges.length - 1) ctx.addIssue({ code: 'custom', path: ['counts'], message: 'one count per bin (edges.length - 1)' });
    if (b.counts.reduce((a, c) => a + c, 0) === 0) ctx.addIssue({ code: 'custom', path: ['counts'], message: 'hold no scores' });
  });

export type ScoreBaseline = z.infer<typeof scoreBaselineSchema>;

export type BaselineLookup = { kind: 'found'; baseline: ScoreBaseline } | { kind: 'missing' } | { kind: 'invalid'; reason: string };

/** Reads `<modelsDir>/<modelId>/score-baseline.json` (the folder is named after the model id). */
export function baselineFromPack(modelsDir: string, modelId: string): BaselineLookup {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelId)) return { kind: 'missing' };
  const file = path.join(modelsDir, modelId, BASELINE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { kind: 'missing' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: `${BASELINE_FILE} is not JSON` };
  }
  const parsed = scoreBaselineSchema.safeParse(json);
  if (!parsed.success) {
    return { kind: 'invalid', reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  }
  return { kind: 'found', baseline: parsed.data };
}
