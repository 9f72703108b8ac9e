import type { Rng } from '../../core/random.js';
import type { Vec3 } from './pose.js';

/** One vessel segment: a capsule from `a` to `b`, with its place in the tree. */
export interface VesselSegment {
  id: number;
  parent: number | null;
  a: Vec3;
  b: Vec3;
  radius: number;
  /** 0 for a root (lobar vessel), growing by one per branching. */
  generation: number;
  /** Which root it grows from (a lobe). */
  root: string;
}

export interface TreeRoot {
  name: string;
  start: Vec3;
  direction: Vec3;
  radius: number;
}

/**
 * Grows a branching vessel tree from its roots, the way pulmonary vessels branch: each segment is
 * a few radii long and gives a main branch that runs on (turned 10-30°, 0.8-0.9 of the radius)
 * and a side branch that leaves at 35-70° (0.55-0.75 of the radius), so the tree fills its lobe
 * instead of running straight to the edge. A branch that would leave the organ tries other
 * directions, then stops; so does one thinner than `minRadius`.
 */
export function growTree(rng: Rng, roots: TreeRoot[], inside: (p: Vec3) => boolean, minRadius: number, maxPerRoot = 1500, minLength = 4): VesselSegment[] {
  const segments: VesselSegment[] = [];
  for (const r of roots) {
    const limit = segments.length + maxPerRoot;
    // Breadth first, so that a capped tree is still spread over its whole lobe.
    const queue: { start: Vec3; dir: Vec3; radius: number; generation: number; parent: number | null }[] = [
      { start: r.start, dir: normalise(r.direction), radius: r.radius, generation: 0, parent: null },
    ];
    while (queue.length > 0 && segments.length < limit) {
      const { start, dir, radius, generation, parent } = queue.shift()!;
      if (radius < minRadius) continue;
      const length = Math.min(30, Math.max(minLength, radius * rng.uniform(3, 6)));
      let end: Vec3 | null = null;
      let d = dir;
      for (let attempt = 0; attempt < 12 && !end; attempt++) {
        d = attempt === 0 ? dir : turn(rng, dir, rng.uniform(25, 80));
        const candidate: Vec3 = [start[0] + d[0] * length, start[1] + d[1] * length, start[2] + d[2] * length];
        if (generation === 0 || inside(candidate)) end = candidate;
      }
      if (!end) continue;
      const id = segments.length;
      segments.push({ id, parent, a: start, b: end, radius, generation, root: r.name });
      const next = { start: end, generation: generation + 1, parent: id };
      queue.push({ ...next, dir: turn(rng, d, rng.uniform(10, 30)), radius: radius * rng.uniform(0.8, 0.9) });
      queue.push({ ...next, dir: turn(rng, d, rng.uniform(35, 70)), radius: radius * rng.uniform(0.55, 0.75) });
      if (rng.chance(0.2)) queue.push({ ...next, dir: turn(rng, d, rng.uniform(35, 70)), radius: radius * rng.uniform(0.5, 0.65) });
    }
  }
  return segments;
}

export function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** `dir` turned by `degrees` about a random axis perpendicular to it. */
function turn(rng: Rng, dir: Vec3, degrees: number): Vec3 {
  const helper: Vec3 = Math.abs(dir[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const p1 = normalise(cross(dir, helper));
  const p2 = cross(dir, p1);
  const phi = rng.uniform(0, 2 * Math.PI);
  const perp: Vec3 = [
    p1[0] * Math.cos(phi) + p2[0] * Math.sin(phi),
    p1[1] * Math.cos(phi) + p2[1] * Math.sin(phi),
    p1[2] * Math.cos(phi) + p2[2] * Math.sin(phi),
  ];
  const t = (degrees * Math.PI) / 180;
  return normalise([dir[0] * Math.cos(t) + perp[0] * Math.sin(t), dir[1] * Math.cos(t) + perp[1] * Math.sin(t), dir[2] * Math.cos(t) + perp[2] * Math.sin(t)]);
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * Capsules rasterised once into a 1 mm grid of fractions (0-255), so that sampling thousands of
 * vessels costs one trilinear lookup per voxel instead of a test against every segment.
 */
export class FractionGrid {
  readonly data: Uint8Array;
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;

  constructor(
    readonly origin: Vec3,
    readonly size: Vec3,
    readonly spacing = 1,
  ) {
    this.nx = Math.ceil(size[0] / spacing) + 1;
    this.ny = Math.ceil(size[1] / spacing) + 1;
    this.nz = Math.ceil(size[2] / spacing) + 1;
    this.data = new Uint8Array(this.nx * this.ny * this.nz);
  }

  /** Adds a capsule (segment a-b, radius r) with a one-voxel soft edge; overlaps keep the max. */
  addCapsule(a: Vec3, b: Vec3, r: number): void {
    const s = this.spacing;
    const lo = [0, 1, 2].map((i) => Math.max(0, Math.floor((Math.min(a[i]!, b[i]!) - r - 1 - this.origin[i]!) / s)));
    const hi = [0, 1, 2].map((i) => Math.min([this.nx, this.ny, this.nz][i]! - 1, Math.ceil((Math.max(a[i]!, b[i]!) + r + 1 - this.origin[i]!) / s)));
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const dz = b[2] - a[2];
    const len2 = dx * dx + dy * dy + dz * dz || 1e-9;
    for (let k = lo[2]!; k <= hi[2]!; k++) {
      const z = this.origin[2] + k * s;
      for (let j = lo[1]!; j <= hi[1]!; j++) {
        const y = this.origin[1] + j * s;
        for (let i = lo[0]!; i <= hi[0]!; i++) {
          const x = this.origin[0] + i * s;
          let t = ((x - a[0]) * dx + (y - a[1]) * dy + (z - a[2]) * dz) / len2;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = x - a[0] - t * dx;
          const ey = y - a[1] - t * dy;
          const ez = z - a[2] - t * dz;
          const f = r + 0.5 * s - Math.sqrt(ex * ex + ey * ey + ez * ez);
          if (f <= 0) continue;
          const v = Math.min(255, Math.round((f / s) * 255));
          const idx = (k * this.ny + j) * this.nx + i;
          if (v > this.data[idx]!) this.data[idx] = v;
        }
      }
    }
  }

  /** Trilinear fraction in [0, 1] at a point (0 outside the grid). */
  at(x: number, y: number, z: number): number {
    const fx = (x - this.origin[0]) / this.spacing;
    const fy = (y - this.origin[1]) / this.spacing;
    const fz = (z - this.origin[2]) / this.spacing;
    if (fx < 0 || fy < 0 || fz < 0 || fx >= this.nx - 1 || fy >= this.ny - 1 || fz >= this.nz - 1) return 0;
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const k = Math.floor(fz);
    const tx = fx - i;
    const ty = fy - j;
    const tz = fz - k;
    const nx = this.nx;
    const plane = this.nx * this.ny;
    const b = (k * this.ny + j) * nx + i;
    const d = this.data;
    const c00 = d[b]! + (d[b + 1]! - d[b]!) * tx;
    const c10 = d[b + nx]! + (d[b + nx + 1]! - d[b + nx]!) * tx;
    const c01 = d[b + plane]! + (d[b + plane + 1]! - d[b + plane]!) * tx;
    const c11 = d[b + plane + nx]! + (d[b + plane + nx + 1]! - d[b + plane + nx]!) * tx;
    const c0 = c00 + (c10 - c00) * ty;
    const c1 = c01 + (c11 - c01) * ty;
    return (c0 + (c1 - c0) * tz) / 255;
  }
}
