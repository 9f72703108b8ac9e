/** Analytic shape tests shared by the anatomy models (frame coordinates, mm). */

/** Squared normalised radius of an axis-aligned ellipsoid: < 1 inside. */
export function ellipsoid2(u: number, v: number, w: number, cu: number, cv: number, cw: number, ru: number, rv: number, rw: number): number {
  const x = (u - cu) / ru;
  const y = (v - cv) / rv;
  const z = (w - cw) / rw;
  return x * x + y * y + z * z;
}

/** A capsule: a segment from a to b swept by a sphere. */
export interface Capsule {
  ax: number;
  ay: number;
  az: number;
  bx: number;
  by: number;
  bz: number;
  radius: number;
}

export function capsule(ax: number, ay: number, az: number, bx: number, by: number, bz: number, radius: number): Capsule {
  return { ax, ay, az, bx, by, bz, radius };
}

/** Squared distance from a point to the capsule's axis segment, and the position t ∈ [0, 1] along it. */
export function segmentDistance2(c: Capsule, u: number, v: number, w: number): number {
  const dx = c.bx - c.ax;
  const dy = c.by - c.ay;
  const dz = c.bz - c.az;
  const len2 = dx * dx + dy * dy + dz * dz;
  let t = len2 > 0 ? ((u - c.ax) * dx + (v - c.ay) * dy + (w - c.az) * dz) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = u - (c.ax + t * dx);
  const ey = v - (c.ay + t * dy);
  const ez = w - (c.az + t * dz);
  return ex * ex + ey * ey + ez * ez;
}

export function insideCapsule(c: Capsule, u: number, v: number, w: number): boolean {
  return segmentDistance2(c, u, v, w) < c.radius * c.radius;
}

/** 0 below `lo`, 1 above `hi`, smooth in between. */
export function smoothstep(x: number, lo: number, hi: number): number {
  const t = Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
  return t * t * (3 - 2 * t);
}
