import type { CtSample, CtSampler } from './ct-render.js';
import { GradientNoise } from './gradient-noise.js';
import type { Vec3 } from './pose.js';
import type { Rng } from '../../core/random.js';
import { type Capsule, capsule, ellipsoid2, insideCapsule, segmentDistance2, smoothstep } from './shapes.js';
import type { FractionGrid } from './vessel-tree.js';

/**
 * An analytic chest in its own frame (u left, v posterior, w superior, mm; origin at the carina):
 * skin, fat, muscle, ribs, sternum, spine with discs and canal, lungs with dependent density,
 * mediastinum, heart with contrast in the right chambers, aorta, SVC, IVC, airways, and the
 * pulmonary vessels (from 1 mm fraction grids drawn from grown trees). CT pulmonary angiography
 * timing: the pulmonary arteries are brightest, the left heart and aorta less so.
 */

export interface CtpaParams {
  a: number;
  b: number;
  fat: number;
  hu: { artery: number; leftHeart: number; svc: number; vein: number; clot: number; lung: number; liver: number };
  /** Left and right diaphragm dome heights (w, mm). */
  dome: [number, number];
  /** Unopacified blood mixing into the pulmonary trunk or a lower lobe artery (a mimic). */
  mixing: { centre: Vec3; sigma: number; depth: number } | null;
  nodes: { centre: Vec3; radii: Vec3 }[];
  /** Breathing during the scan: displacement amplitude (mm) below `top`. */
  motion: { amplitude: number; period: number; top: number } | null;
}

export function sampleCtpaParams(rng: Rng): CtpaParams {
  const poorBolus = rng.chance(0.12);
  const artery = poorBolus ? rng.uniform(170, 250) : rng.uniform(260, 550);
  return {
    a: rng.uniform(150, 180),
    b: rng.uniform(112, 132),
    fat: rng.uniform(6, 30),
    hu: {
      artery,
      leftHeart: rng.uniform(0.45, 0.8) * artery,
      svc: rng.chance(0.5) ? rng.uniform(700, 1600) : artery * rng.uniform(0.8, 1.3),
      vein: rng.uniform(0.35, 0.7) * artery,
      clot: rng.uniform(25, 65),
      lung: rng.uniform(-880, -820),
      liver: rng.uniform(70, 110),
    },
    dome: [rng.uniform(-125, -105), rng.uniform(-135, -112)],
    mixing: rng.chance(0.4)
      ? {
          centre: rng.pick<Vec3>([
            [8, -40, -30],
            [-45, -5, -12],
            [-62, 8, -30],
          ]),
          sigma: rng.uniform(5, 11),
          depth: rng.uniform(0.2, 0.5) * artery,
        }
      : null,
    nodes: Array.from({ length: rng.int(0, 4) }, () => {
      const side = rng.chance(0.5) ? 1 : -1;
      const r = rng.uniform(4, 9);
      return {
        centre: [side * rng.uniform(45, 65), rng.uniform(-15, 15), rng.uniform(-35, 5)] as Vec3,
        radii: [r, r * rng.uniform(0.7, 1.2), r * rng.uniform(0.8, 1.4)] as Vec3,
      };
    }),
    motion: rng.chance(0.35) ? { amplitude: rng.uniform(1, 4), period: rng.uniform(3, 7), top: rng.uniform(-80, -40) } : null,
  };
}

/** Frame grids: arteries, veins, and the finding (clot, and unopacified vessels beyond an occlusion). */
export interface CtpaGrids {
  artery: FractionGrid;
  vein: FractionGrid;
  clot: FractionGrid;
}

export const GRID_ORIGIN: Vec3 = [-150, -110, -175];
export const GRID_SIZE: Vec3 = [300, 220, 260];

export class ChestAnatomy implements CtSampler {
  private readonly texture: GradientNoise;
  private readonly aorta: Capsule[];
  private readonly svc: Capsule;
  private readonly ivc: Capsule;
  private readonly airways: Capsule[];
  private readonly esophagus: Capsule;

  constructor(
    readonly params: CtpaParams,
    private readonly grids: CtpaGrids,
    noiseKey: string,
  ) {
    this.texture = new GradientNoise(`${noiseKey}/lung`);
    this.aorta = [
      capsule(-10, -28, -62, -12, -25, 18, 15),
      capsule(-12, -25, 18, 0, 0, 34, 13),
      capsule(0, 0, 34, 18, 40, 25, 13),
      capsule(18, 40, 25, 20, 48, -175, 12),
    ];
    this.svc = capsule(-35, -18, 70, -31, -19, -48, 10);
    this.ivc = capsule(-22, 10, -175, -25, 0, -95, 12);
    this.airways = [capsule(0, 0, 90, 0, 0, 0, 9), capsule(0, 0, 0, -40, 8, -18, 7), capsule(0, 0, 0, 42, 12, -22, 6)];
    this.esophagus = capsule(5, 22, 90, 10, 25, -130, 8);
  }

  /** Where a vessel may grow: lung, away from the chest wall, the heart and the diaphragm. */
  inLung(p: Vec3): boolean {
    return this.region(p[0], p[1], p[2]) === 'lung' && this.wallDepth(p[0], p[1], p[2]) > 4;
  }

  /** The centre of the SVC at height w (for streak artefacts). */
  svcCentre(w: number): [number, number] | null {
    const c = this.svc;
    if (w > c.az || w < c.bz) return null;
    const t = (w - c.az) / (c.bz - c.az);
    return [c.ax + t * (c.bx - c.ax), c.ay + t * (c.by - c.ay)];
  }

  sample(u: number, v: number, w: number, out: CtSample): void {
    const m = this.params.motion;
    if (m && w < m.top) {
      // Breathing: the lower chest moves between the moments each part of the slab is scanned.
      const s = Math.sin((2 * Math.PI * w) / m.period);
      v += 0.5 * m.amplitude * s;
      w += m.amplitude * s;
    }
    out.lesion = 0;
    const p = this.params;
    const region = this.region(u, v, w);
    let hu: number;
    switch (region) {
      case 'outside':
        out.hu = v > this.bodyB(w) + 8 && v < this.bodyB(w) + 20 && Math.abs(u) < 220 ? 250 : -1000;
        return;
      case 'wall':
        hu = this.wall(u, v, w);
        break;
      case 'neck':
        hu = 42;
        break;
      case 'spine':
        hu = this.spine(u, v, w);
        break;
      case 'abdomen':
        hu = this.abdomen(u, v, w);
        break;
      case 'heart':
        hu = this.heart(u, v, w);
        break;
      case 'mediastinum':
        hu = -85;
        break;
      case 'lung':
        hu = p.hu.lung + 22 * this.texture.at(u / 6, v / 6, w / 6) + 50 * smoothstep(v, 30, 100);
        break;
      default:
        hu = region satisfies never;
    }
    if (region === 'mediastinum' || region === 'lung' || region === 'heart' || region === 'abdomen' || region === 'neck') {
      for (const c of this.aorta) if (insideCapsule(c, u, v, w)) hu = region === 'abdomen' ? p.hu.leftHeart * 0.9 : p.hu.leftHeart;
      if (insideCapsule(this.svc, u, v, w)) hu = p.hu.svc;
      if (insideCapsule(this.ivc, u, v, w)) hu = 0.35 * p.hu.artery + 40;
      if (insideCapsule(this.esophagus, u, v, w)) hu = 40;
      for (const c of this.airways) {
        const d2 = segmentDistance2(c, u, v, w);
        if (d2 < c.radius * c.radius) hu = d2 < (c.radius - 1.8) ** 2 ? -1000 : 60;
      }
      for (const n of p.nodes) if (ellipsoid2(u, v, w, n.centre[0], n.centre[1], n.centre[2], n.radii[0], n.radii[1], n.radii[2]) < 1) hu = 45;
      const fa = this.grids.artery.at(u, v, w);
      const fv = Math.min(this.grids.vein.at(u, v, w), 1 - fa);
      if (fa > 0 || fv > 0) {
        const fc = Math.min(this.grids.clot.at(u, v, w), fa);
        let lumen = p.hu.artery;
        const mix = p.mixing;
        if (mix) {
          const d2 = (u - mix.centre[0]) ** 2 + (v - mix.centre[1]) ** 2 + (w - mix.centre[2]) ** 2;
          lumen -= mix.depth * Math.exp(-d2 / (2 * mix.sigma * mix.sigma));
        }
        hu = hu * (1 - fa - fv) + (fa - fc) * lumen + fc * p.hu.clot + fv * p.hu.vein;
        out.lesion = fc > 0.5 ? 1 : fc * 2;
      }
    }
    out.hu = hu;
  }

  private bodyA(w: number): number {
    return this.params.a * (1 - 0.3 * smoothstep(w, 45, 95));
  }

  private bodyB(w: number): number {
    return this.params.b * (1 - 0.1 * smoothstep(w, 45, 95));
  }

  /** Depth below the skin, from the ellipse's implicit function and its gradient. */
  private skinDepth(u: number, v: number, w: number): number {
    const a = this.bodyA(w);
    const b = this.bodyB(w);
    const x = u / a;
    const y = v / b;
    const r2 = x * x + y * y;
    return (1 - r2) / (2 * Math.sqrt((x / a) ** 2 + (y / b) ** 2) + 1e-9);
  }

  /** Depth inside the inner surface of the chest wall (negative within the wall). */
  private wallDepth(u: number, v: number, w: number): number {
    return this.skinDepth(u, v, w) - (this.params.fat + 22 + 10 * smoothstep(v, 40, 110));
  }

  dome(u: number, v: number): number {
    const [left, right] = this.params.dome;
    const h = u > 0 ? left : right;
    return h - 28 * ((u / 120) ** 2 + ((v - 10) / 110) ** 2);
  }

  region(u: number, v: number, w: number): 'outside' | 'wall' | 'neck' | 'spine' | 'abdomen' | 'heart' | 'mediastinum' | 'lung' {
    const a = this.bodyA(w);
    const b = this.bodyB(w);
    if ((u / a) ** 2 + (v / b) ** 2 >= 1) return 'outside';
    if (this.wallDepth(u, v, w) < 0) return 'wall';
    if (v > 36 && Math.abs(u) < 55 && (u / 24) ** 2 + ((v - 60) / 26) ** 2 < 1.6) return 'spine';
    if (w < this.dome(u, v)) return 'abdomen';
    if (w > 78 - 0.012 * (Math.abs(u) - 45) ** 2) return 'neck';
    if (ellipsoid2(u, v, w, 18, -30, -82, 64, 52, 56) < 1) return 'heart';
    // Narrow behind the sternum, where the lungs almost meet; wider around the great vessels.
    const half = (26 + 12 * smoothstep(-w, -10, 40)) * (0.45 + 0.55 * smoothstep(v, -80, -35));
    if (Math.abs(u - 3) < half && v < 40 && w > -95) return 'mediastinum';
    return 'lung';
  }

  private wall(u: number, v: number, w: number): number {
    const d = this.skinDepth(u, v, w);
    const f = this.params.fat;
    if (d < 2) return 30;
    if (d < f) return -100;
    if (d < f + 10) return 50;
    // Ribs slope down towards the front; sternum in front of the mediastinum.
    if (v < -60 && Math.abs(u) < 16 && w > -110 && w < 45) return d < f + 14 ? 900 : 380;
    const phase = (w + 0.28 * v + 1000) / 24;
    if (phase - Math.floor(phase) < 0.38) {
      const core = Math.abs(d - (f + 16)) < 3;
      return core ? 320 : 850;
    }
    return 48;
  }

  private abdomen(u: number, v: number, w: number): number {
    const p = this.params;
    const top = this.dome(0, 0);
    if (ellipsoid2(u, v, w, -45, 0, top - 45, 100, 95, 65) < 1) return p.hu.liver;
    if (ellipsoid2(u, v, w, 70, 50, top - 45, 32, 45, 50) < 1) return p.hu.liver + 15;
    if (ellipsoid2(u, v, w, 50, -30, top - 35, 45, 40, 35) < 1) return v < -40 ? -1000 : 25; // stomach: air rises to the front
    return -70 + 40 * this.texture.at(u / 10, v / 10, w / 10);
  }

  private spine(u: number, v: number, w: number): number {
    const body = (u / 20) ** 2 + ((v - 58) / 18) ** 2;
    if (body < 1) {
      const disc = ((w + 1000) / 28) % 1 < 0.18;
      return disc ? 85 : body > 0.8 ? 900 : 260;
    }
    const canal = (u / 9) ** 2 + ((v - 88) / 9) ** 2;
    if (canal < 1) return 12;
    if (canal < 2.6 && v > 80) return 750;
    return 52;
  }

  private heart(u: number, v: number, w: number): number {
    const p = this.params;
    if (ellipsoid2(u, v, w, 18, -30, -82, 64, 52, 56) > 0.86) return -80; // epicardial fat
    if (ellipsoid2(u, v, w, 4, -54, -84, 30, 15, 32) < 1 || ellipsoid2(u, v, w, -30, -22, -74, 22, 22, 28) < 1) return p.hu.artery + 40;
    if (ellipsoid2(u, v, w, 42, -26, -90, 23, 21, 30) < 1 || ellipsoid2(u, v, w, 12, 4, -56, 28, 15, 15) < 1) return p.hu.leftHeart;
    return 45;
  }
}
