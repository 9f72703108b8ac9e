import type { Vec3 } from './pose.js';

/** The label written beside every phantom: the ground truth that `vigil evaluate` scores against. */

export const PHANTOM_KINDS = ['head-ct', 'ctpa', 'cxr'] as const;
export type PhantomKind = (typeof PHANTOM_KINDS)[number];

export const PHANTOM_FINDINGS = ['none', 'ich', 'pe', 'pneumothorax'] as const;
export type PhantomFinding = (typeof PHANTOM_FINDINGS)[number];

/** The finding each kind can carry (besides none). */
export const FINDING_OF_KIND = { 'head-ct': 'ich', ctpa: 'pe', cxr: 'pneumothorax' } as const satisfies Record<PhantomKind, PhantomFinding>;

export const NOISE_LEVELS = ['low', 'standard', 'high'] as const;
export type NoiseLevel = (typeof NOISE_LEVELS)[number];

export const SIZE_BINS = ['small', 'medium', 'large'] as const;
export type SizeBin = (typeof SIZE_BINS)[number];

/** Bump when the phantoms change in a way that changes a trained model's inputs. */
export const GENERATOR_VERSION = 'vigil-phantom/1';

export interface PhantomLabel {
  generator: string;
  kind: PhantomKind;
  finding: PhantomFinding;
  seed: number;
  positive: boolean;
  /** Subtype: subdural, segmental, apical... */
  type: string | null;
  size: { volumeMl: number | null; lengthMm: number | null; bin: SizeBin } | null;
  location: { side: 'left' | 'right' | 'midline' | 'bilateral'; region: string; centroidMm: Vec3; boxMm: { min: Vec3; max: Vec3 } } | null;
  /** Things in the image that look a little like the finding. */
  mimics: string[];
  /** The columns `vigil evaluate` breaks results down by. */
  subgroup: {
    vendor: string;
    modality: string;
    sliceThicknessMm: number | null;
    noise: NoiseLevel;
    kernel: string;
    sizeBin: SizeBin | 'none';
    photometric: string;
    detector: string | null;
  };
  series: { studyInstanceUid: string; seriesInstanceUid: string; files: string[] };
}

export function sideOf(uLeft: number): 'left' | 'right' | 'midline' {
  return Math.abs(uLeft) < 4 ? 'midline' : uLeft > 0 ? 'left' : 'right';
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
