import type { Vec3 } from './pose.js';
import type { Rng } from '../../core/random.js';
import { type FractionGrid, normalise, type VesselSegment } from './vessel-tree.js';

export const PE_TYPES = ['central', 'segmental'] as const;
export type PeType = (typeof PE_TYPES)[number];

export interface PlacedEmbolus {
  type: PeType;
  region: string;
  occlusive: boolean;
  lengthMm: number;
  saddle: boolean;
}

/**
 * Draws a filling defect into the clot grid. Central: in the pulmonary trunk, the main or a lobar
 * artery, often non-occlusive (contrast flows around it: the "polo mint" in cross-section), a
 * third of them saddling the bifurcation. Segmental: in a 2-4.5 mm artery, often occlusive, with
 * the vessels beyond it left unopacified. `q` in [0, 1] is the size quantile.
 */
export function placeEmbolus(rng: Rng, segments: VesselSegment[], clot: FractionGrid, type: PeType, q: number): PlacedEmbolus {
  const central = segments.filter((s) => s.generation === 0);
  const candidates = type === 'central' ? central : segments.filter((s) => s.generation >= 1 && s.radius >= 1.8 && s.radius <= 4.5);
  // Bigger q favours bigger vessels.
  const sorted = [...candidates].sort((a, b) => a.radius - b.radius);
  const pickIndex = Math.min(sorted.length - 1, Math.floor((0.25 * rng.next() + 0.75 * q) * sorted.length));
  const seg = sorted[Math.max(0, pickIndex)]!;
  const length = type === 'central' ? 12 + 33 * q : 6 + 20 * q;
  const occlusive = type === 'central' ? rng.chance(0.2) : rng.chance(0.6);
  const fill = occlusive ? 1 : 0.45 + 0.4 * q;
  const segLength = dist(seg.a, seg.b);
  const t0 = rng.uniform(0, Math.max(0, 1 - length / segLength));
  const t1 = Math.min(1, t0 + length / segLength);
  const axis = normalise(sub(seg.b, seg.a));
  const offset = scale(perpendicular(rng, axis), (1 - fill) * seg.radius * rng.uniform(0, 0.8));
  const a = add(add(seg.a, scale(sub(seg.b, seg.a), t0)), offset);
  const b = add(add(seg.a, scale(sub(seg.b, seg.a), t1)), offset);
  clot.addCapsule(a, b, fill * seg.radius + (occlusive ? 0.5 : 0));
  let drawn = dist(a, b);
  const saddle = seg.root === 'trunk' && rng.chance(0.35);
  if (saddle) {
    // A saddle embolus straddles the bifurcation into both main arteries.
    for (const child of segments.filter((s) => s.parent === seg.id)) {
      const end = add(child.a, scale(sub(child.b, child.a), 0.4));
      clot.addCapsule(child.a, end, fill * child.radius);
      drawn += dist(child.a, end);
    }
  }
  if (occlusive) {
    // Beyond an occlusion the vessels carry no contrast: two generations of them look like clot.
    let frontier = segments.filter((s) => s.parent === seg.id);
    for (let g = 0; g < 2; g++) {
      for (const s of frontier) clot.addCapsule(s.a, s.b, s.radius + 0.5);
      frontier = segments.filter((s) => frontier.some((f) => f.id === s.parent));
    }
  }
  return { type, region: seg.root, occlusive, lengthMm: drawn, saddle };
}

function perpendicular(rng: Rng, axis: Vec3): Vec3 {
  const helper: Vec3 = Math.abs(axis[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const p1 = normalise([axis[1] * helper[2] - axis[2] * helper[1], axis[2] * helper[0] - axis[0] * helper[2], axis[0] * helper[1] - axis[1] * helper[0]]);
  const p2: Vec3 = [axis[1] * p1[2] - axis[2] * p1[1], axis[2] * p1[0] - axis[0] * p1[2], axis[0] * p1[1] - axis[1] * p1[0]];
  const phi = rng.uniform(0, 2 * Math.PI);
  return [p1[0] * Math.cos(phi) + p2[0] * Math.sin(phi), p1[1] * Math.cos(phi) + p2[1] * Math.sin(phi), p1[2] * Math.cos(phi) + p2[2] * Math.sin(phi)];
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: Vec3, k: number): Vec3 => [a[0] * k, a[1] * k, a[2] * k];
const dist = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
