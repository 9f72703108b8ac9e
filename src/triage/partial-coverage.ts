import type { Manifest } from './manifest.js';

/** What a pack asks of a series still arriving before an early run (manifest `partial`). */
export type PartialRequirement = NonNullable<Manifest['partial']>;

/** How much of a series has arrived: images with a position, and the span of their positions along the slice normal. */
export interface Coverage {
  slices: number;
  zExtentMm: number;
}

/**
 * Reads the coverage from the index's main tags (ImagePositionPatient and
 * ImageOrientationPatient, backslash-joined strings): no file is opened. The normal comes from
 * the first image with an orientation (else the patient z axis); images without a position do
 * not count (a localizer, a dose page).
 */
export function coverageOf(tags: readonly Record<string, unknown>[]): Coverage {
  let normal: [number, number, number] | undefined;
  const along: number[] = [];
  for (const t of tags) {
    const position = numbers(t.ImagePositionPatient, 3) as [number, number, number] | undefined;
    if (!position) continue;
    if (!normal) normal = normalOf(numbers(t.ImageOrientationPatient, 6));
    along.push(position[0] * normal[0] + position[1] * normal[1] + position[2] * normal[2]);
  }
  if (along.length === 0) return { slices: 0, zExtentMm: 0 };
  return { slices: along.length, zExtentMm: Math.max(...along) - Math.min(...along) };
}

export function covers(coverage: Coverage, need: PartialRequirement): boolean {
  return coverage.slices >= need.minSlices && coverage.zExtentMm >= (need.minZExtentMm ?? 0);
}

function numbers(value: unknown, count: number): number[] | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const parts = String(value).split('\\').map(Number);
  return parts.length === count && parts.every(Number.isFinite) ? parts : undefined;
}

function normalOf(o: number[] | undefined): [number, number, number] {
  if (!o) return [0, 0, 1];
  const [a, b, c, d, e, f] = o as [number, number, number, number, number, number];
  const n: [number, number, number] = [b * f - c * e, c * d - a * f, a * e - b * d];
  const length = Math.hypot(...n);
  return length > 0 ? [n[0] / length, n[1] / length, n[2] / length] : [0, 0, 1];
}
