import type { Rng } from '../../core/random.js';
import { smoothstep } from './shapes.js';

/**
 * A frontal chest radiograph's anatomy as thicknesses along the beam, in a frame with u to the
 * patient's left and t towards the feet (mm, origin at the carina's projection). Smooth parts
 * (body, lungs, heart, diaphragm, breasts, scapulae) are fields evaluated per pixel; thin ones
 * (ribs, clavicles, vessels, tubes) are drawn as tubes by cxr.ts.
 */

export interface CxrParams {
  /** Half width of the chest and its front-to-back thickness, mm. */
  a: number;
  depth: number;
  apex: number;
  /** Top of the right and left diaphragm domes (t). */
  domeRight: number;
  domeLeft: number;
  heart: { u: number; t: number; ru: number; rt: number };
  female: boolean;
  /** Distance of the scapula's medial border from the chest wall, mm (0: scapulae rotated out). */
  scapula: number;
}

export function sampleCxrParams(rng: Rng): CxrParams {
  const a = rng.uniform(135, 170);
  const domeRight = rng.uniform(55, 95);
  return {
    a,
    depth: rng.uniform(180, 250),
    apex: rng.uniform(-165, -140),
    domeRight,
    domeLeft: domeRight + rng.uniform(5, 20),
    heart: { u: rng.uniform(12, 28), t: domeRight + rng.uniform(-25, -5), ru: rng.uniform(70, 95), rt: rng.uniform(50, 65) },
    female: rng.chance(0.5),
    scapula: rng.chance(0.6) ? rng.uniform(30, 70) : 0,
  };
}

export interface Pneumothorax {
  side: 1 | -1;
  type: 'apical' | 'lateral';
  /** Largest distance between the chest wall and the collapsed lung's edge, mm. */
  rim: number;
  /** Direction of its widest point around the lung centre (radians, 0 lateral, −π/2 up) and half extent. */
  centre: number;
  halfAngle: number;
}

/** What the fields give at one point. */
export interface CxrPoint {
  /** Water-equivalent thickness along the beam, mm. */
  water: number;
  /** 1 in the pneumothorax's air, 0 elsewhere; 2 on the visceral pleural line. */
  ptx: 0 | 1 | 2;
  inLung: boolean;
}

export class ChestProjection {
  constructor(
    readonly p: CxrParams,
    readonly ptx: Pneumothorax | null,
  ) {}

  halfWidth(t: number): number {
    const { a, apex } = this.p;
    if (t < apex - 25) return 58 + (a + 10 - 58) * smoothstep(t, apex - 60, apex - 25);
    return (a + 10) * (1 - 0.06 * smoothstep(t, 60, 220));
  }

  lungTop(au: number): number {
    return this.p.apex + 50 * ((au - 62) / 58) ** 2;
  }

  lungBottom(au: number, side: number): number {
    const dome = side > 0 ? this.p.domeLeft : this.p.domeRight;
    return dome + 34 * ((au - 68) / 62) ** 2;
  }

  lungLateral(t: number): number {
    return this.halfWidth(t) * 0.92 - 10;
  }

  /** Mediastinal border: the SVC and right atrium on the right; aortic knob and left ventricle on the left. */
  lungMedial(t: number, side: number): number {
    const bump = (c: number, w: number) => Math.exp(-((t - c) ** 2) / (2 * w * w));
    const h = this.p.heart;
    if (side < 0) return 26 + 24 * bump(h.t - 10, 28);
    return 26 + 20 * bump(-45, 14) + (h.ru + h.u - 40) * bump(h.t, 34);
  }

  at(u: number, t: number, out: CxrPoint): void {
    out.ptx = 0;
    out.inLung = false;
    const hw = this.halfWidth(t);
    if (Math.abs(u) >= hw) {
      out.water = 0;
      return;
    }
    const p = this.p;
    let water = p.depth * Math.sqrt(1 - (u / hw) ** 2);
    if (t < p.apex - 25) water *= 0.55; // neck
    // Breasts over the lower chest: a soft dome with a visible lower edge.
    if (p.female) {
      const q = ((Math.abs(u) - 95) / 75) ** 2 + ((t - p.domeRight - 15) / 50) ** 2;
      if (q < 1) water += 28 * Math.sqrt(1 - q);
    }
    const side = u < 0 ? -1 : 1;
    const au = Math.abs(u);
    const top = this.lungTop(au);
    const bottom = this.lungBottom(au, side);
    const lateral = this.lungLateral(t);
    const medial = this.lungMedial(t, side);
    if (t > top && t < bottom && au < lateral && au > medial) {
      const dTop = t - top;
      const dLat = lateral - au;
      const inner = Math.min(dTop, dLat, bottom - t, au - medial);
      let lung = 0.8 * p.depth * Math.sqrt(Math.min(1, inner / 45));
      const h = p.heart;
      const hq = ((u - h.u) / h.ru) ** 2 + ((t - h.t) / h.rt) ** 2;
      if (hq < 1) lung = Math.max(0, lung - 120 * Math.sqrt(1 - hq));
      // Lung is about a fifth tissue: it removes four fifths of its thickness in water.
      let airFraction = 0.78;
      const ptx = this.ptx;
      if (ptx && ptx.side === side) {
        const rim = this.rimAt(u, t);
        const outer = Math.min(dTop, dLat);
        if (rim > 0 && outer < rim) {
          airFraction = 1;
          out.ptx = 1;
        } else if (rim > 0.5 && outer < rim + 0.9) {
          out.ptx = 2;
        }
      }
      water -= airFraction * lung;
      out.inLung = out.ptx !== 1;
      if (out.ptx === 2) water += 5; // the visceral pleura, seen edge-on
    } else {
      // Below the domes: the abdomen; a gas bubble in the stomach under the left one.
      if (side > 0 && t > bottom) {
        const q = ((u - 62) / 34) ** 2 + ((t - p.domeLeft - 32) / 18) ** 2;
        if (q < 1) water -= 30 * Math.sqrt(1 - q);
      }
    }
    // Scapulae: a bony plate lateral to a straight medial border (a mimic of a pleural line).
    if (p.scapula > 0 && t > p.apex - 10 && t < p.apex + 150) {
      const border = hw - p.scapula - 25 * ((t - p.apex) / 150);
      if (au > border) water += 7 * smoothstep(au - border, 0, 2) * (1 - smoothstep(t, p.apex + 120, p.apex + 150));
    }
    out.water = water;
  }

  /** How far the collapsed lung's edge lies from the chest wall at this point's angle, mm. */
  rimAt(u: number, t: number): number {
    const x = this.ptx!;
    const angle = Math.atan2(t + 40, Math.abs(u) - 55);
    const d = (angle - x.centre) / x.halfAngle;
    return Math.abs(d) >= 1 ? 0 : x.rim * Math.sqrt(1 - d * d);
  }
}
