import type { Rng } from '../../core/random.js';
import type { CtVendor, CxrVendor } from './vendors.js';

/**
 * The "varied" scanner style, for training splits only: instead of one of the named vendors, each
 * study draws its own style around and between the known training vendors (alpha, beta, gamma),
 * so that a model learns the finding rather than three scanners' habits. The ranges are written
 * beside delta's values on purpose: delta (the held-out vendor of every shifted set) is never
 * drawn exactly, and on the axes where it is most extreme (kernel sharpness, noise, contrast curve,
 * beam hardening) the ranges stop short of it. Where delta sits inside a range (detector size,
 * photometric, bits stored, padding values) the model cards say so: the shifted set is then unseen
 * as a combination, not on every axis.
 *
 * Off by default: a study drawn without `style: 'varied'` is byte for byte what it always was.
 */

export const SCANNER_STYLES = ['vendor', 'varied'] as const;
export type ScannerStyle = (typeof SCANNER_STYLES)[number];

/** A radiograph style drawn per study (delta: sharpen 1.4, noise 0.022, gamma 1.25, 2304x2816 @ 0.16, MONOCHROME1 DX 16 bits). */
export function variedCxrVendor(rng: Rng): CxrVendor {
  const spacing = rng.pick([0.139, 0.143, 0.148, 0.15, 0.16, 0.175, 0.2]);
  // A detector that holds an adult chest, square or portrait: 345-430 mm wide (the named vendors
  // 350-410, delta 369), 400-460 mm high (delta 450).
  const widthMm = rng.uniform(345, 430);
  const heightMm = rng.uniform(Math.max(widthMm, 400), 460);
  const photometric = rng.chance(0.5) ? 'MONOCHROME1' : 'MONOCHROME2';
  return {
    id: 'varied',
    manufacturer: 'SYNTHETIC PHANTOM WORKS',
    model: 'Phantom DR Varied (synthetic)',
    modality: rng.chance(0.7) ? 'DX' : 'CR',
    photometric,
    bitsStored: rng.pick([12, 14, 16] as const),
    detector: { columns: Math.round(widthMm / spacing), rows: Math.round(heightMm / spacing), spacing },
    sharpen: rng.uniform(0.15, 1.2),
    blurPx: rng.uniform(0.5, 1.3),
    noise: rng.uniform(0.008, 0.02),
    gamma: rng.uniform(0.85, 1.2),
    processing: {
      compress: [0.15, 0.65],
      // An S-shaped presentation LUT of this strength (0: none), as some consoles apply.
      lut: rng.chance(0.5) ? rng.uniform(0.2, 1.2) : 0,
      // Collimated borders left white (the usual) or black.
      collimation: rng.chance(0.7) ? 1 : 0,
    },
  };
}

/** A CT style drawn per study (delta: kernel 0.5 sigma sharpened 0.6, noise 5.5 HU at 5 mm, grain 0.7, beam hardening 10). */
export function variedCtVendor(rng: Rng): CtVendor {
  const signed = rng.chance(0.5);
  const intercept = signed ? rng.pick([-1024, -1000, 0]) : rng.pick([-1024, -1000]);
  return {
    id: 'varied',
    manufacturer: 'SYNTHETIC PHANTOM WORKS',
    model: 'Phantom CT Varied (synthetic)',
    kernelName: 'VARIED',
    kernelSigma: rng.uniform(0.6, 1.4),
    kernelSharpen: rng.chance(0.5) ? rng.uniform(0.05, 0.45) : 0,
    noiseAt5mm: rng.uniform(2.4, 5),
    noiseGrain: rng.uniform(0.8, 1.5),
    beamHardening: rng.uniform(0, 9),
    storage: {
      signed,
      bitsStored: signed ? 16 : rng.pick([12, 16]),
      intercept,
      slope: 1,
      // The value written outside the reconstructed circle (padding).
      outsideFovHu: rng.pick([-1024, -1000, -2000, -3024, -1500]),
    },
    descending: rng.chance(0.5),
    kvp: rng.pick([100, 120, 140]),
  };
}
