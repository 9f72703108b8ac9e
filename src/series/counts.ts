import type { MainTags } from '../domain/header-summary.js';

/**
 * Completeness from the count tags the instances carry. Images in Acquisition says how many
 * images the acquisition made; a multi-frame instance holds Number of Frames of them. The
 * count is trusted only when every instance agrees on it, the series holds one acquisition,
 * and the slice positions of a stack show neither a gap nor a repeat (a repeated slice can hide
 * a missing one). Anything else leaves the decision to MPPS or the idle window.
 */
export type CountsVerdict =
  | { complete: true; expected: number }
  /** Fewer images than the count announces: `images` of `expected` so far. */
  | { complete: false; why: 'waiting'; expected: number; images: number }
  | {
      complete: false;
      why: 'no-count' | 'inconsistent-count' | 'several-acquisitions' | 'too-many' | 'gap' | 'repeated-position';
    };

export function countsVerdict(instances: readonly MainTags[]): CountsVerdict {
  const declared = new Set(instances.map((t) => t.ImagesInAcquisition));
  if (instances.length === 0 || (declared.size === 1 && declared.has(undefined))) return { complete: false, why: 'no-count' };
  if (declared.size !== 1) return { complete: false, why: 'inconsistent-count' };
  const expected = Number(instances[0]!.ImagesInAcquisition);
  if (!Number.isInteger(expected) || expected < 1) return { complete: false, why: 'no-count' };
  if (new Set(instances.map((t) => t.AcquisitionNumber ?? '')).size > 1) return { complete: false, why: 'several-acquisitions' };

  const images = instances.reduce((sum, t) => sum + framesOf(t), 0);
  if (images < expected) return { complete: false, why: 'waiting', expected, images };
  if (images > expected) return { complete: false, why: 'too-many' };
  const stack = stackProblem(instances);
  return stack ? { complete: false, why: stack } : { complete: true, expected };
}

/** Number of images an instance holds: its frames, or one. */
export function framesOf(tags: MainTags): number {
  const frames = Number(tags.NumberOfFrames);
  return Number.isInteger(frames) && frames > 1 ? frames : 1;
}

/**
 * Positions along the stack normal, sorted, should step evenly. Only single-frame instances of
 * one orientation form a stack (a three-plane localizer does not, and is judged on counts).
 */
function stackProblem(instances: readonly MainTags[]): 'gap' | 'repeated-position' | undefined {
  if (instances.length < 2 || instances.some((t) => framesOf(t) > 1)) return undefined;
  const orientations = new Set(instances.map((t) => t.ImageOrientationPatient));
  if (orientations.size !== 1) return undefined;
  const orientation = numbers(instances[0]!.ImageOrientationPatient, 6);
  if (!orientation) return undefined;
  const normal = cross(orientation.slice(0, 3), orientation.slice(3, 6));
  const positions: number[] = [];
  for (const t of instances) {
    const p = numbers(t.ImagePositionPatient, 3);
    if (!p) return undefined;
    positions.push(p[0]! * normal[0]! + p[1]! * normal[1]! + p[2]! * normal[2]!);
  }
  positions.sort((a, b) => a - b);
  const steps = positions.slice(1).map((p, i) => p - positions[i]!);
  if (steps.some((s) => s < 0.01)) return 'repeated-position';
  // A missing slice makes one step at least twice the spacing; half a step of tolerance allows
  // for rounding in the header or a slightly uneven table feed.
  const spacing = Math.min(...steps);
  return steps.some((s) => s > spacing * 1.5) ? 'gap' : undefined;
}

function numbers(value: string | undefined, count: number): number[] | undefined {
  const parts = value?.split('\\').map(Number);
  return parts && parts.length === count && parts.every(Number.isFinite) ? parts : undefined;
}

function cross(a: number[], b: number[]): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}
