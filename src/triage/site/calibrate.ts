import { VigilError } from '../../core/errors.js';
import { type Proportion, wilson } from '../../core/statistics/proportion.js';
import { chooseThreshold } from '../../core/statistics/roc.js';
import type { Manifest } from '../manifest.js';
import { defaultOperatingPoint } from '../manifest.js';

/** Where the labels of a calibration come from. */
export const EVIDENCE_SOURCES = ['feedback', 'labelled'] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

/** One case of local evidence: the model's probability and whether the finding is truly there. */
export interface LabelledScore {
  score: number;
  label: 0 | 1;
}

/** What a threshold does on the evidence: counts, and proportions with 95 % Wilson intervals. */
export interface PointOnEvidence {
  threshold: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  sensitivity: Proportion;
  specificity: Proportion;
  ppv: Proportion;
}

export interface CalibrationProposal extends PointOnEvidence {
  modelId: string;
  packVersion: string;
  targetSensitivity: number;
  from: EvidenceSource;
  /** Cases behind it (with a label), and those left out (e.g. radiologists split on a finding). */
  positives: number;
  negatives: number;
  excluded: number;
  /** The shipped default operating point on the same evidence, for comparison. */
  shipped: PointOnEvidence & { name: string };
  madeAt: string;
}

export interface CalibrationLimits {
  /** Fewer local positives (or negatives) than this: no proposal (CALIBRATION_TOO_FEW_CASES). */
  minPositives: number;
  minNegatives: number;
}

/**
 * Proposes a site operating point: the highest threshold whose sensitivity on the local evidence
 * reaches the target (so the most specific such point), with what it does there. Refuses when
 * the evidence holds too few positives or negatives for the figures to mean anything.
 */
export function proposeOperatingPoint(
  manifest: Manifest,
  evidence: { from: EvidenceSource; cases: readonly LabelledScore[]; excluded: number },
  targetSensitivity: number,
  limits: CalibrationLimits,
): CalibrationProposal {
  if (!(targetSensitivity > 0 && targetSensitivity <= 1)) throw new VigilError('BAD_REQUEST', 'targetSensitivity must be above 0 and at most 1');
  for (const c of evidence.cases) {
    if (!Number.isFinite(c.score) || c.score < 0 || c.score > 1) throw new VigilError('BAD_REQUEST', 'every score must be a probability from 0 to 1');
  }
  const pos = evidence.cases.filter((c) => c.label === 1).map((c) => c.score);
  const neg = evidence.cases.filter((c) => c.label === 0).map((c) => c.score);
  if (pos.length < limits.minPositives || neg.length < limits.minNegatives) {
    throw new VigilError(
      'CALIBRATION_TOO_FEW_CASES',
      `${manifest.id} ${manifest.version}: ${pos.length} positive and ${neg.length} negative cases with a label (${evidence.from}); ` +
        `a site operating point needs at least ${limits.minPositives} and ${limits.minNegatives} (triage.calibration)`,
      {
        extra: {
          positives: pos.length,
          negatives: neg.length,
          excluded: evidence.excluded,
          minPositives: limits.minPositives,
          minNegatives: limits.minNegatives,
        },
      },
    );
  }
  const chosen = chooseThreshold(pos, neg, { sensitivity: targetSensitivity });
  // chooseThreshold finds one whenever there is a positive (the lowest score reaches any target).
  const threshold = Math.min(1, Math.max(0, chosen!.threshold));
  const shipped = defaultOperatingPoint(manifest);
  return {
    modelId: manifest.id,
    packVersion: manifest.version,
    targetSensitivity,
    from: evidence.from,
    positives: pos.length,
    negatives: neg.length,
    excluded: evidence.excluded,
    ...pointOnEvidence(threshold, pos, neg),
    shipped: { name: shipped.name, ...pointOnEvidence(shipped.threshold, pos, neg) },
    madeAt: new Date().toISOString(),
  };
}

export function pointOnEvidence(threshold: number, pos: readonly number[], neg: readonly number[]): PointOnEvidence {
  const tp = pos.filter((s) => s >= threshold).length;
  const fp = neg.filter((s) => s >= threshold).length;
  const fn = pos.length - tp;
  const tn = neg.length - fp;
  return { threshold, confusion: { tp, fp, tn, fn }, sensitivity: wilson(tp, tp + fn), specificity: wilson(tn, tn + fp), ppv: wilson(tp, tp + fp) };
}
