import { GradientNoise } from './gradient-noise.js';
import { CtSample, type CtSampler } from './ct-render.js';
import type { Rng } from '../../core/random.js';
import { type Capsule, capsule, ellipsoid2, insideCapsule, smoothstep } from './shapes.js';

/**
 * An analytic adult head in its own frame (u left, v posterior, w superior, mm; origin near the
 * centre of the brain at the level of the lateral ventricles): scalp and temporal muscles,
 * a three-layer skull, skull base with orbits, sinuses, petrous bones and mastoids, brain with
 * grey-white differentiation, sulci, fissures, cisterns, ventricles, deep grey nuclei, posterior
 * fossa, falx and tentorium, venous sinuses, and the usual calcifications (the mimics).
 */

export const Tissue = {
  Air: 0,
  Soft: 1,
  Bone: 2,
  SurfaceCsf: 3,
  VentricleCsf: 4,
  Grey: 5,
  White: 6,
  Dura: 7,
  Calcification: 8,
} as const;
export type Tissue = (typeof Tissue)[keyof typeof Tissue];

/** What a hemorrhage sees of the point it is asked about. */
export interface HeadContext {
  tissue: Tissue;
  /** Depth below the inner table of the skull (mm); negative outside the cranial cavity. */
  depth: number;
  /** True above the skull base floor, i.e. inside the cranial cavity. */
  intracranial: boolean;
}

export interface HeadLesion {
  /** 0 nothing, 1 blood, 2 surrounding oedema (changes HU, is not the finding). */
  test(u: number, v: number, w: number, ctx: HeadContext): 0 | 1 | 2;
  readonly bloodHu: number;
}

export interface HeadParams {
  scale: number;
  /** Ventricle and sulcal enlargement with age (1 = young adult). */
  atrophy: number;
  csfThickness: number;
  hu: { csf: number; grey: number; white: number; bone: number; diploe: number; scalp: number; dura: number };
  calcifications: { centre: [number, number, number]; radii: [number, number, number]; hu: number; name: string }[];
  /** Brightening below the inner table (beam hardening), HU; and the depth of the dark band at the skull base. */
  beamHardening: number;
  streak: number;
}

/**
 * The varied style's extra calcifications (training only, from their own stream): each of the
 * usual sites more often and in a wider range of size and density, down to the 60-90 HU of fresh
 * blood (a faint basal ganglia or falx calcification is what a bleed detector must not call), and
 * several falx plaques.
 */
export function variedCalcifications(rng: Rng, atrophy: number): HeadParams['calcifications'] {
  const out: HeadParams['calcifications'] = [];
  if (rng.chance(0.5))
    out.push({
      name: 'pineal',
      centre: [rng.uniform(-1.5, 1.5), rng.uniform(17, 23), rng.uniform(-4, 1)],
      radii: [rng.uniform(1.5, 5), rng.uniform(1.5, 5), rng.uniform(1.5, 4)],
      hu: rng.uniform(70, 600),
    });
  if (rng.chance(0.5)) {
    const r = rng.uniform(1.5, 5);
    const hu = rng.uniform(65, 400);
    for (const side of [-1, 1])
      out.push({ name: 'choroid plexus', centre: [side * 17 * atrophy ** 0.3, rng.uniform(24, 30), rng.uniform(5, 11)], radii: [r, r * 1.3, r], hu });
  }
  if (rng.chance(0.4)) {
    const r = rng.uniform(1.2, 5);
    const hu = rng.uniform(60, 350);
    for (const side of [-1, 1])
      out.push({ name: 'basal ganglia', centre: [side * rng.uniform(17, 23), rng.uniform(-7, -1), rng.uniform(-3, 3)], radii: [r, r * 1.5, r], hu });
  }
  for (let k = rng.chance(0.5) ? rng.int(1, 3) : 0; k > 0; k--) {
    out.push({
      name: 'falx',
      centre: [0, rng.uniform(-55, 35), rng.uniform(20, 55)],
      radii: [1, rng.uniform(3, 12), rng.uniform(1.5, 5)],
      hu: rng.uniform(80, 800),
    });
  }
  return out;
}

export function sampleHeadParams(rng: Rng, beamHardening: number): HeadParams {
  const atrophy = rng.uniform(0.8, 1.7);
  const calcifications: HeadParams['calcifications'] = [];
  if (rng.chance(0.55))
    calcifications.push({
      name: 'pineal',
      centre: [0, 20, -2],
      radii: [rng.uniform(1.5, 3.5), rng.uniform(1.5, 3.5), rng.uniform(1.5, 3)],
      hu: rng.uniform(120, 450),
    });
  if (rng.chance(0.5)) {
    const r = rng.uniform(1.5, 3.5);
    const hu = rng.uniform(90, 300);
    for (const side of [-1, 1]) calcifications.push({ name: 'choroid plexus', centre: [side * 17 * atrophy ** 0.3, 27, 8], radii: [r, r * 1.3, r], hu });
  }
  if (rng.chance(0.12)) {
    const r = rng.uniform(1.2, 3);
    const hu = rng.uniform(80, 220);
    for (const side of [-1, 1]) calcifications.push({ name: 'basal ganglia', centre: [side * 20, -4, 0], radii: [r, r * 1.5, r], hu });
  }
  if (rng.chance(0.2))
    calcifications.push({
      name: 'falx',
      centre: [0, rng.uniform(-50, 30), rng.uniform(30, 50)],
      radii: [1, rng.uniform(3, 8), rng.uniform(1.5, 4)],
      hu: rng.uniform(200, 700),
    });
  return {
    scale: rng.uniform(0.92, 1.08),
    atrophy,
    csfThickness: 1.2 + 1.6 * (atrophy - 0.8),
    hu: {
      csf: rng.uniform(3, 10),
      grey: rng.uniform(34, 41),
      white: rng.uniform(25, 31),
      bone: rng.uniform(1400, 1900),
      diploe: rng.uniform(450, 800),
      scalp: rng.uniform(30, 45),
      dura: rng.uniform(45, 60),
    },
    calcifications,
    beamHardening,
    streak: beamHardening * rng.uniform(1.2, 2.5),
  };
}

const HU_AIR = -1000;
const HU_FAT = -90;

export class HeadAnatomy implements CtSampler {
  private readonly sulci: GradientNoise;
  private readonly folia: GradientNoise;
  private readonly cells: GradientNoise;
  private readonly a: number;
  private readonly b: number;
  private readonly cUp: number;
  private readonly cLow: number;
  private readonly petrous: Capsule[];
  private readonly clivus: Capsule;
  private readonly brainstem: Capsule;
  private readonly ventricles: Capsule[];
  private readonly ctx: HeadContext = { tissue: Tissue.Air, depth: 0, intracranial: false };

  constructor(
    readonly params: HeadParams,
    private readonly lesions: HeadLesion[],
    noiseKey: string,
  ) {
    this.sulci = new GradientNoise(`${noiseKey}/sulci`);
    this.folia = new GradientNoise(`${noiseKey}/folia`);
    this.cells = new GradientNoise(`${noiseKey}/air-cells`);
    const s = params.scale;
    this.a = 72 * s;
    this.b = 90 * s;
    this.cUp = 84 * s;
    this.cLow = 108 * s;
    this.petrous = [-1, 1].map((side) => capsule(side * 46, 16, -44, side * 15, -4, -37, 6.5));
    this.clivus = capsule(0, -8, -30, 0, 16, -62, 6.5);
    this.brainstem = capsule(0, 6, -12, 0, 22, -75, 11);
    const vs = params.atrophy;
    this.ventricles = [-1, 1].flatMap((side) => [
      // frontal horn, body, atrium and occipital horn, temporal horn (radii grow with atrophy)
      capsule(side * 7, -30, 8, side * 8, -12, 14, 4.2 * vs),
      capsule(side * 8, -12, 14, side * 12, 18, 14, 3.8 * vs),
      capsule(side * 12, 18, 14, side * 17, 28, 7, 5 * vs),
      capsule(side * 17, 28, 7, side * 14, 46, 4, 2.4 * vs),
      capsule(side * 19, 24, 2, side * 27, -10, -22, 2 * vs),
    ]);
  }

  /** Used by hemorrhages to find where the brain is. */
  context(u: number, v: number, w: number): HeadContext {
    const out = new CtSample();
    this.sample(u, v, w, out);
    return { ...this.ctx };
  }

  sample(u: number, v: number, w: number, out: CtSample): void {
    const ctx = this.ctx;
    ctx.intracranial = false;
    ctx.depth = -1;
    out.lesion = 0;
    const c = w > 0 ? this.cUp : this.cLow;
    const x = u / this.a;
    const y = (v - 4) / this.b;
    const z = w / c;
    const r2 = x * x + y * y + z * z;
    if (r2 >= 1) {
      ctx.tissue = Tissue.Air;
      out.hu = HU_AIR;
      return;
    }
    // Distance below the scalp surface, from the implicit function and its gradient.
    const gx = x / this.a;
    const gy = y / this.b;
    const gz = z / c;
    const d = (1 - r2) / (2 * Math.sqrt(gx * gx + gy * gy + gz * gz) + 1e-9);
    const p = this.params;
    // Temporal muscles thicken the soft tissue on the sides; the temporal squama is thin.
    const temporal = smoothstep(Math.abs(x), 0.72, 0.9) * smoothstep(w, -48, -36) * (1 - smoothstep(w, 10, 28));
    const scalpT = 5 + 9 * temporal;
    if (d < scalpT) {
      ctx.tissue = Tissue.Soft;
      out.hu = d < 1.2 ? p.hu.scalp + 5 : d < 3 && temporal < 0.5 ? HU_FAT : p.hu.scalp + 12 * temporal;
      return;
    }
    const skullT = 6.5 - 3.5 * temporal;
    const floor = this.floor(u, v);
    if (d < scalpT + skullT && w > floor - 4) {
      ctx.tissue = Tissue.Bone;
      const t = (d - scalpT) / skullT;
      out.hu = t < 0.3 || t > 0.72 ? p.hu.bone : p.hu.diploe;
      return;
    }
    const depth = d - scalpT - skullT;
    if (w < floor) {
      this.skullBase(u, v, w, floor, out);
      return;
    }
    ctx.intracranial = true;
    ctx.depth = depth;
    out.hu = this.brain(u, v, w, depth);
    // Beam hardening: the brain just under the skull reads a little too dense.
    out.hu += p.beamHardening * Math.exp(-depth / 3.5);
    // The dark band between the petrous bones (a "Hounsfield bar").
    if (w < -28 && w > -56 && Math.abs(u) < 40) {
      const dist = v - 2;
      out.hu -= p.streak * Math.exp(-(dist * dist) / 18) * smoothstep(-Math.abs(w + 42), -14, -4);
    }
    for (const lesion of this.lesions) {
      const hit = lesion.test(u, v, w, ctx);
      if (hit === 1) {
        out.hu = lesion.bloodHu + p.beamHardening * Math.exp(-depth / 3.5);
        out.lesion = 1;
        break;
      }
      if (hit === 2) out.hu -= 9;
    }
  }

  /** Height of the floor of the cranial cavity: anterior, middle and posterior fossae. */
  floor(u: number, v: number): number {
    const au = Math.abs(u);
    // Orbital roofs bulge up into the anterior fossa.
    const anterior = -20 + 5 * Math.exp(-((au - 30) ** 2) / 150);
    // Middle fossa, with the sphenoid body and sella rising in its centre.
    const sella = Math.exp(-(((u / 13) ** 2 + ((v + 12) / 15) ** 2) ** 2));
    const middle = -46 + 20 * sella;
    // The petrous ridges run back and out; behind them the posterior fossa is deepest.
    const petrousRidge = 4 + 0.35 * au;
    const t1 = smoothstep(v, -36, -24);
    const t2 = smoothstep(v - petrousRidge, -5, 5);
    const f = anterior * (1 - t1) + t1 * (middle * (1 - t2) - 62 * t2);
    return (u / 15) ** 2 + ((v - 30) / 18) ** 2 < 1 ? -200 : f;
  }

  private skullBase(u: number, v: number, w: number, floor: number, out: CtSample): void {
    const ctx = this.ctx;
    const p = this.params;
    const au = Math.abs(u);
    ctx.tissue = Tissue.Bone;
    for (const c of this.petrous) {
      if (insideCapsule(c, u, v, w)) {
        out.hu = 1900;
        return;
      }
    }
    // Mastoid air cells behind the petrous bones.
    if (ellipsoid2(au, v, w, 46, 24, -52, 11, 10, 10) < 1) {
      out.hu = this.cells.at(u / 3, v / 3, w / 3) > -0.05 ? HU_AIR : 900;
      return;
    }
    // Orbits: globe (vitreous and lens) in fat, inside a thin bony wall.
    const globe = ellipsoid2(au, v, w, 31, -64, -34, 12, 12, 12);
    if (globe < 1) {
      ctx.tissue = Tissue.Soft;
      out.hu = ellipsoid2(au, v, w, 31, -75, -34, 4, 2, 4) < 1 ? 95 : 12;
      return;
    }
    const orbit = ellipsoid2(au, v, w, 30, -56, -34, 16, 22, 15);
    if (orbit < 1) {
      ctx.tissue = Tissue.Soft;
      out.hu = HU_FAT;
      return;
    }
    if (orbit < 1.15) {
      out.hu = 700;
      return;
    }
    // Paranasal sinuses: sphenoid, ethmoid cells, maxillary antra, nasal cavity.
    if (ellipsoid2(u, v, w, 0, -20, -40, 13, 11, 9) < 1) {
      out.hu = ellipsoid2(u, v, w, 0, -20, -40, 11.5, 9.5, 7.5) < 1 ? HU_AIR : 1100;
      return;
    }
    if (au < 12 && v < -34 && v > -80 && w < -18 && w > -52) {
      out.hu = this.cells.at(u / 2.5, v / 2.5, w / 2.5) > -0.1 ? HU_AIR : 500;
      return;
    }
    const antrum = ellipsoid2(au, v, w, 26, -52, -66, 13, 15, 15);
    if (antrum < 1.2) {
      out.hu = antrum < 1 ? HU_AIR : 900;
      return;
    }
    if (au < 10 && v < -40 && w <= -52) {
      out.hu = Math.abs(this.cells.at(u / 4, v / 8, w / 4)) < 0.12 ? 60 : HU_AIR;
      return;
    }
    if (insideCapsule(this.clivus, u, v, w)) {
      out.hu = 750;
      return;
    }
    // Brainstem and upper cord through the foramen magnum, in their CSF.
    if (floor < -100) {
      ctx.tissue = insideCapsule(this.brainstem, u, v, w) ? Tissue.White : Tissue.SurfaceCsf;
      out.hu = ctx.tissue === Tissue.White ? p.hu.white + 3 : p.hu.csf;
      return;
    }
    if (w > floor - 6) {
      out.hu = this.cells.at(u / 5, v / 5, w / 5) > 0.3 ? p.hu.diploe : p.hu.bone * 0.8;
      return;
    }
    // Below the skull base: muscles and fat of the face and neck.
    ctx.tissue = Tissue.Soft;
    out.hu = this.cells.at(u / 9, v / 9, w / 9) > 0.35 ? HU_FAT : 48;
  }

  private brain(u: number, v: number, w: number, depth: number): number {
    const ctx = this.ctx;
    const p = this.params;
    const au = Math.abs(u);
    // Venous sinuses: superior sagittal along the midline under the vertex, slightly dense.
    if (au < 4 && depth < 4.5 && w > -10 && v > -70) {
      ctx.tissue = Tissue.Dura;
      return p.hu.dura;
    }
    for (const cal of p.calcifications) {
      if (ellipsoid2(u, v, w, cal.centre[0], cal.centre[1], cal.centre[2], cal.radii[0], cal.radii[1], cal.radii[2]) < 1) {
        ctx.tissue = Tissue.Calcification;
        return cal.hu;
      }
    }
    // Posterior fossa under the tentorium.
    const tent = -22 - 0.25 * (v - 12) - 0.004 * u * u;
    if (v > 4 && w < tent) {
      if (Math.abs(w - tent) < 0.7) {
        ctx.tissue = Tissue.Dura;
        return p.hu.dura;
      }
      if (insideCapsule(this.brainstem, u, v, w)) {
        ctx.tissue = Tissue.White;
        return p.hu.white + 3;
      }
      if (ellipsoid2(u, v, w, 0, 30, -42, 6 * p.atrophy ** 0.5, 4, 7) < 1) {
        ctx.tissue = Tissue.VentricleCsf;
        return p.hu.csf;
      }
      if (depth < p.csfThickness) {
        ctx.tissue = Tissue.SurfaceCsf;
        return p.hu.csf;
      }
      const f = this.folia.at(u / 5, v / 5, w / 5);
      if (Math.abs(f) < 0.05 * p.atrophy && depth < 20) {
        ctx.tissue = Tissue.SurfaceCsf;
        return p.hu.csf;
      }
      ctx.tissue = Math.abs(f) < 0.3 ? Tissue.Grey : Tissue.White;
      return ctx.tissue === Tissue.Grey ? p.hu.grey : p.hu.white + 2;
    }
    if (depth < p.csfThickness) {
      ctx.tissue = Tissue.SurfaceCsf;
      return p.hu.csf;
    }
    // Interhemispheric fissure with the falx in it.
    const falxLow = 20 - 34 * (v / 85) ** 2;
    if (au < 1.2 + 0.8 * p.atrophy && w > falxLow) {
      ctx.tissue = au < 0.5 ? Tissue.Dura : Tissue.SurfaceCsf;
      return au < 0.5 ? p.hu.dura : p.hu.csf;
    }
    if (au < 36 && v > -44 && v < 54 && w > -30 && w < 26) {
      const deep = this.deepStructures(u, v, w);
      if (deep !== undefined) return deep;
    }
    // Sylvian fissures: a CSF cleft from the lateral surface towards the insula.
    if (au > 30 && v > -42 && v < 24 && depth < 40) {
      const off = w - (-8 + 0.25 * v);
      if (Math.abs(off) < 0.9 + 0.7 * p.atrophy) {
        ctx.tissue = Tissue.SurfaceCsf;
        return p.hu.csf;
      }
    }
    if (depth < 26) {
      const s = Math.abs(this.sulci.at(u / 13, v / 13, w / 13));
      const sulcusDepth = 14;
      if (s < 0.035 + 0.04 * p.atrophy && depth < p.csfThickness + sulcusDepth) {
        ctx.tissue = Tissue.SurfaceCsf;
        return p.hu.csf;
      }
      if (depth < p.csfThickness + 3 || (s < 0.3 && depth < p.csfThickness + sulcusDepth + 2)) {
        ctx.tissue = Tissue.Grey;
        return p.hu.grey;
      }
    }
    ctx.tissue = Tissue.White;
    return p.hu.white;
  }

  private deepStructures(u: number, v: number, w: number): number | undefined {
    const ctx = this.ctx;
    const p = this.params;
    for (const c of this.ventricles) {
      if (insideCapsule(c, u, v, w)) {
        ctx.tissue = Tissue.VentricleCsf;
        return p.hu.csf;
      }
    }
    const au = Math.abs(u);
    // Third ventricle, a midline slit.
    if (au < 1.5 * p.atrophy && v > -14 && v < 10 && w > -20 && w < 6) {
      ctx.tissue = Tissue.VentricleCsf;
      return p.hu.csf;
    }
    // Basal cisterns around the midbrain.
    if (ellipsoid2(u, v, w, 0, 2, -20, 17, 16, 6) < 1) {
      const midbrain = ellipsoid2(u, v, w, 0, 6, -20, 11, 10, 8) < 1;
      ctx.tissue = midbrain ? Tissue.White : Tissue.SurfaceCsf;
      return midbrain ? p.hu.white + 3 : p.hu.csf;
    }
    if (ellipsoid2(au, v, w, 12, -18, 8, 5, 8, 7) < 1 || ellipsoid2(au, v, w, 21, -4, 0, 5, 12, 8) < 1 || ellipsoid2(au, v, w, 9, 6, 2, 7, 11, 7) < 1) {
      ctx.tissue = Tissue.Grey;
      return p.hu.grey - 1;
    }
    return undefined;
  }
}
