import { GradientNoise } from './gradient-noise.js';
import { type HeadAnatomy, type HeadContext, type HeadLesion, Tissue } from './head-anatomy.js';
import { type Mat3, rotationFromAngles } from './pose.js';
import type { Rng } from '../../core/random.js';

export const ICH_TYPES = ['intraparenchymal', 'subdural', 'epidural', 'subarachnoid', 'intraventricular'] as const;
export type IchType = (typeof ICH_TYPES)[number];

/** A hemorrhage as drawn, plus what the label says about where it is. */
export interface PlacedHemorrhage {
  type: IchType;
  lesion: HeadLesion;
  region: string;
  /** Max thickness of an extra-axial collection, mm (null for the others). */
  thicknessMm: number | null;
}

/** Blood in a rotated, lobulated ellipsoid, with a rim of oedema when it is large enough. */
class Intraparenchymal implements HeadLesion {
  private readonly noise: GradientNoise;
  private readonly reach: number;

  constructor(
    readonly bloodHu: number,
    private readonly centre: [number, number, number],
    private readonly radii: [number, number, number],
    private readonly rot: Mat3,
    private readonly oedema: number,
    noiseKey: string,
  ) {
    this.noise = new GradientNoise(noiseKey);
    this.reach = Math.max(...radii) * 1.35 + oedema;
  }

  test(u: number, v: number, w: number, ctx: HeadContext): 0 | 1 | 2 {
    const [cu, cv, cw] = this.centre;
    const du = u - cu;
    const dv = v - cv;
    const dw = w - cw;
    if (Math.abs(du) > this.reach || Math.abs(dv) > this.reach || Math.abs(dw) > this.reach) return 0;
    if (ctx.tissue !== Tissue.Grey && ctx.tissue !== Tissue.White && ctx.tissue !== Tissue.SurfaceCsf) return 0;
    const r = this.rot;
    const x = (r[0] * du + r[1] * dv + r[2] * dw) / this.radii[0];
    const y = (r[3] * du + r[4] * dv + r[5] * dw) / this.radii[1];
    const z = (r[6] * du + r[7] * dv + r[8] * dw) / this.radii[2];
    const rho = Math.sqrt(x * x + y * y + z * z);
    const mean = (this.radii[0] + this.radii[1] + this.radii[2]) / 3;
    const edge = 1 + 0.22 * this.noise.at(u / (mean * 0.7 + 1), v / (mean * 0.7 + 1), w / (mean * 0.7 + 1));
    if (rho < edge) return 1;
    if (this.oedema > 0 && (rho - edge) * mean < this.oedema && ctx.tissue !== Tissue.SurfaceCsf) return 2;
    return 0;
  }
}

/**
 * A collection between the skull and the brain over part of a hemisphere. Subdural: a wide
 * crescent tapering to its ends; epidural: a short, thick lens.
 */
class ExtraAxial implements HeadLesion {
  private readonly cosMax: number;

  constructor(
    readonly bloodHu: number,
    private readonly side: 1 | -1,
    private readonly direction: [number, number, number],
    private readonly halfAngle: number,
    private readonly maxThickness: number,
    private readonly lens: boolean,
  ) {
    this.cosMax = Math.cos(halfAngle);
  }

  test(u: number, v: number, w: number, ctx: HeadContext): 0 | 1 | 2 {
    if (!ctx.intracranial || ctx.depth > this.maxThickness || u * this.side < 1.5) return 0;
    const x = u;
    const y = v - 4;
    const z = w - 6;
    const len = Math.sqrt(x * x + y * y + z * z) + 1e-9;
    const cos = (x * this.direction[0] + y * this.direction[1] + z * this.direction[2]) / len;
    if (cos < this.cosMax) return 0;
    const t = Math.acos(Math.min(1, cos)) / this.halfAngle;
    const profile = this.lens ? Math.sqrt(1 - t * t) : 1 - t * t;
    return ctx.depth < this.maxThickness * profile ? 1 : 0;
  }
}

/** Blood replacing CSF in sulci, fissures and cisterns within a region. */
class Subarachnoid implements HeadLesion {
  constructor(
    readonly bloodHu: number,
    private readonly centre: [number, number, number],
    private readonly radius: number,
  ) {}

  test(u: number, v: number, w: number, ctx: HeadContext): 0 | 1 | 2 {
    if (ctx.tissue !== Tissue.SurfaceCsf || !ctx.intracranial) return 0;
    const du = u - this.centre[0];
    const dv = v - this.centre[1];
    const dw = w - this.centre[2];
    return du * du + dv * dv + dw * dw < this.radius * this.radius ? 1 : 0;
  }
}

/** Blood layering in the dependent (posterior, the patient lies supine) parts of the ventricles. */
class Intraventricular implements HeadLesion {
  constructor(
    readonly bloodHu: number,
    private readonly level: number,
  ) {}

  test(u: number, v: number, _w: number, ctx: HeadContext): 0 | 1 | 2 {
    return ctx.tissue === Tissue.VentricleCsf && v > this.level ? 1 : 0;
  }
}

/** Draws a hemorrhage of the given (or a random) type, placed where that type occurs. */
/**
 * `q` in [0, 1] is the size quantile: 0 the smallest of its type (a few tenths of a mL, a 2 mm
 * film), 1 the largest; sizes are spread log-uniformly in between.
 */
export function placeHemorrhage(rng: Rng, anatomy: HeadAnatomy, type: IchType, q: number, key: string): PlacedHemorrhage {
  const blood = rng.uniform(56, 82);
  const side: 1 | -1 = rng.chance(0.5) ? 1 : -1;
  switch (type) {
    case 'intraparenchymal': {
      const volumeMl = logBetween(0.08, 55, q);
      const mean = Math.cbrt((3 * volumeMl * 1000) / (4 * Math.PI));
      const radii: [number, number, number] = [mean * rng.uniform(0.75, 1.25), mean * rng.uniform(0.75, 1.3), mean * rng.uniform(0.7, 1.2)];
      const rot = rotationFromAngles(rng.uniform(-40, 40), rng.uniform(-40, 40), rng.uniform(-90, 90));
      const oedema = volumeMl > 2 ? rng.uniform(1, 2 + Math.min(4, mean / 4)) : 0;
      const site = rng.weighted({ 'basal ganglia': 3, thalamus: 1.5, lobar: 4, cerebellum: 1 });
      for (let attempt = 0; attempt < 40; attempt++) {
        const c = ichSite(rng, site, side);
        const ctx = anatomy.context(c[0], c[1], c[2]);
        if ((ctx.tissue === Tissue.Grey || ctx.tissue === Tissue.White) && ctx.depth > Math.min(mean, 12)) {
          return { type, region: site, thicknessMm: null, lesion: new Intraparenchymal(blood, c, radii, rot, oedema, `${key}/iph`) };
        }
      }
      // Fall back to deep white matter, which always exists.
      return {
        type,
        region: 'basal ganglia',
        thicknessMm: null,
        lesion: new Intraparenchymal(blood, [side * 22, -2, 6], radii.map((r) => Math.min(r, 14)) as [number, number, number], rot, oedema, `${key}/iph`),
      };
    }
    case 'subdural':
    case 'epidural': {
      const lens = type === 'epidural';
      const thickness = lens ? logBetween(3, 26, q) : logBetween(1.5, 16, q);
      const halfAngle = ((lens ? rng.uniform(16, 32) : rng.uniform(30, 65)) * Math.PI) / 180;
      const region = lens ? rng.pick(['temporal', 'temporoparietal', 'frontal'] as const) : rng.pick(['frontoparietal', 'temporal', 'convexity'] as const);
      const apAngle = region === 'frontal' ? rng.uniform(-60, -35) : region === 'temporal' ? rng.uniform(-20, 10) : rng.uniform(-25, 35);
      const elevation = region === 'temporal' ? rng.uniform(-25, -5) : rng.uniform(0, 35);
      const az = (apAngle * Math.PI) / 180;
      const el = (elevation * Math.PI) / 180;
      const dir: [number, number, number] = [side * Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)];
      return { type, region, thicknessMm: thickness, lesion: new ExtraAxial(blood, side, dir, halfAngle, thickness, lens) };
    }
    case 'subarachnoid': {
      const site = rng.weighted({ 'basal cisterns': 2, sylvian: 1.5, convexity: 1.5 });
      const centre: [number, number, number] =
        site === 'basal cisterns'
          ? [rng.uniform(-5, 5), rng.uniform(-10, 2), rng.uniform(-22, -14)]
          : site === 'sylvian'
            ? [side * rng.uniform(38, 52), rng.uniform(-20, 5), rng.uniform(-14, -2)]
            : [side * rng.uniform(40, 55), rng.uniform(-40, 40), rng.uniform(20, 50)];
      const radius = logBetween(8, 42, q);
      return { type, region: site, thicknessMm: null, lesion: new Subarachnoid(rng.uniform(48, 72), centre, radius) };
    }
    case 'intraventricular': {
      const level = 44 - 84 * q ** 1.5;
      return { type, region: 'ventricles', thicknessMm: null, lesion: new Intraventricular(rng.uniform(52, 76), level) };
    }
    default:
      return type satisfies never;
  }
}

function logBetween(lo: number, hi: number, q: number): number {
  return lo * (hi / lo) ** Math.min(1, Math.max(0, q));
}

function ichSite(rng: Rng, site: 'basal ganglia' | 'thalamus' | 'lobar' | 'cerebellum', side: number): [number, number, number] {
  switch (site) {
    case 'basal ganglia':
      return [side * rng.uniform(16, 26), rng.uniform(-14, 6), rng.uniform(-6, 10)];
    case 'thalamus':
      return [side * rng.uniform(6, 12), rng.uniform(0, 12), rng.uniform(-2, 6)];
    case 'lobar':
      return [side * rng.uniform(18, 50), rng.uniform(-55, 60), rng.uniform(-8, 55)];
    case 'cerebellum':
      return [side * rng.uniform(12, 28), rng.uniform(38, 58), rng.uniform(-50, -38)];
    default:
      return site satisfies never;
  }
}
