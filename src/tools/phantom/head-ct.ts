import { type CtGeometry, measureMask, renderCt } from './ct-render.js';
import type { CT_SLICE_THICKNESSES } from './ct-study.js';
import { type CtStudy, slicePositions, subsamplesFor } from './ct-study.js';
import { HeadAnatomy, type HeadLesion, sampleHeadParams, variedCalcifications } from './head-anatomy.js';
import { type IchType, placeHemorrhage } from './head-lesions.js';
import { GENERATOR_VERSION, type NoiseLevel, type SizeBin, round, sideOf } from './label.js';
import { syntheticPatient } from './patient.js';
import { type Pose, rotationFromAngles } from './pose.js';
import { NoiseSource, Rng } from '../../core/random.js';
import { CT_VENDOR_IDS, CT_VENDORS, type CtVendorId } from './vendors.js';
import { type ScannerStyle, variedCtVendor } from './varied-style.js';

export interface HeadCtOptions {
  seed: number;
  finding: 'none' | 'ich';
  vendor?: CtVendorId;
  sliceThicknessMm?: number;
  /** Pixels per side (512 real; smaller for fast tests). */
  matrix?: number;
  noise?: NoiseLevel;
  ichType?: IchType;
  size?: SizeBin;
  /** 'varied' (training only): a reconstruction and storage drawn for this study, and more calcifications. */
  style?: ScannerStyle;
}

export const NOISE_FACTOR: Record<NoiseLevel, number> = { low: 0.7, standard: 1, high: 1.6 };
const SIZE_QUANTILES: Record<SizeBin, [number, number]> = { small: [0, 0.33], medium: [0.33, 0.66], large: [0.66, 1] };

/**
 * A non-contrast head CT. Anatomy, acquisition and noise are drawn from streams keyed by the seed
 * alone, and the hemorrhage from its own stream: the same seed with `none` and with `ich` gives
 * twins that differ only by the bleed.
 */
export function generateHeadCt(opts: HeadCtOptions): CtStudy {
  const { seed } = opts;
  const acq = new Rng(`head-ct/${seed}/acquisition`);
  // A varied style has its own stream: the named vendors' draws stay as they were.
  const varied = opts.style === 'varied';
  const vendor = varied ? variedCtVendor(new Rng(`head-ct/${seed}/style`)) : CT_VENDORS[opts.vendor ?? acq.pick(CT_VENDOR_IDS)];
  const thickness = opts.sliceThicknessMm ?? pickThickness(acq);
  const noise = opts.noise ?? acq.weighted<NoiseLevel>({ low: 1, standard: 3, high: 1 });
  const matrix = opts.matrix ?? 512;
  const fov = acq.uniform(220, 250);
  const px = fov / matrix;

  const anatomyRng = new Rng(`head-ct/${seed}/anatomy`);
  const params = sampleHeadParams(anatomyRng, vendor.beamHardening * acq.uniform(0.7, 1.3));
  if (varied) params.calcifications.push(...variedCalcifications(new Rng(`head-ct/${seed}/varied-mimics`), params.atrophy));
  const pose: Pose = {
    centre: [anatomyRng.uniform(-6, 6), anatomyRng.uniform(-12, 4), anatomyRng.uniform(-40, 40)],
    rotation: rotationFromAngles(anatomyRng.uniform(-12, 10), anatomyRng.uniform(-4, 4), anatomyRng.uniform(-5, 5)),
  };
  const ageYears = Math.round(Math.min(95, Math.max(18, 20 + ((params.atrophy - 0.8) / 0.9) * 65 + anatomyRng.normal(0, 6))));

  const lesions: HeadLesion[] = [];
  const anatomy = new HeadAnatomy(params, lesions, `head-ct/${seed}`);
  let placed: ReturnType<typeof placeHemorrhage> | null = null;
  if (opts.finding === 'ich') {
    const fr = new Rng(`head-ct/${seed}/finding`);
    const type = opts.ichType ?? fr.weighted<IchType>({ intraparenchymal: 3, subdural: 3, epidural: 1.5, subarachnoid: 2, intraventricular: 1.5 });
    const [lo, hi] = opts.size ? SIZE_QUANTILES[opts.size] : [0, 1];
    placed = placeHemorrhage(fr, anatomy, type, fr.uniform(lo, hi), `head-ct/${seed}/finding`);
    lesions.push(placed.lesion);
  }

  const top = pose.centre[2] + 86 * params.scale;
  const bottom = pose.centre[2] - 66;
  const geometry: CtGeometry = {
    matrix,
    pixelSpacingMm: px,
    sliceThicknessMm: thickness,
    zPositionsMm: slicePositions(bottom, top, thickness),
    originXMm: -fov / 2 + px / 2,
    originYMm: -fov / 2 + px / 2,
    fovRadiusMm: fov / 2,
  };
  // Noise per pixel scales with 1/√thickness and, for a coarser matrix, as if 512² pixels were
  // averaged: so a 256² phantom resampled to a model's grid is as noisy as a 512² one.
  const noiseSd = vendor.noiseAt5mm * Math.sqrt(5 / thickness) * NOISE_FACTOR[noise] * (matrix / 512);
  const volume = renderCt(geometry, pose, anatomy, {
    subsamples: subsamplesFor(thickness),
    kernelSigmaPx: (vendor.kernelSigma * matrix) / 512,
    kernelSharpen: vendor.kernelSharpen,
    // Photon starvation through the skull base: more noise on the lowest slices.
    noiseSdHu: (k) => noiseSd * (1 + 0.6 * Math.exp(-(((geometry.zPositionsMm[k]! - pose.centre[2] + 45) / 14) ** 2))),
    noiseGrainPx: (vendor.noiseGrain * matrix) / 512,
    outsideFovHu: vendor.storage.outsideFovHu,
    noise: new NoiseSource(`head-ct/${seed}/noise`),
  });

  const measured = placed ? measureMask(volume) : null;
  const mimics = [...new Set(params.calcifications.map((c) => `${c.name} calcification`))];
  if (params.beamHardening >= 6) mimics.push('beam hardening under the skull');
  mimics.push('dense falx, tentorium and venous sinuses');
  const sizeBin: SizeBin | null = measured ? (measured.volumeMl < 1 ? 'small' : measured.volumeMl < 10 ? 'medium' : 'large') : null;
  const positive = measured !== null && measured.volumeMl > 0;
  return {
    form: 'ct',
    volume,
    vendor,
    patient: syntheticPatient('head-ct', seed, ageYears),
    label: {
      generator: GENERATOR_VERSION,
      kind: 'head-ct',
      finding: positive ? 'ich' : 'none',
      seed,
      positive,
      type: positive && placed ? placed.type : null,
      size:
        positive && measured && sizeBin
          ? { volumeMl: round(measured.volumeMl, 3), lengthMm: placed?.thicknessMm != null ? round(placed.thicknessMm, 1) : null, bin: sizeBin }
          : null,
      location:
        positive && measured && placed
          ? {
              side: placed.type === 'intraventricular' ? 'bilateral' : sideOf(measured.centroid[0] - pose.centre[0]),
              region: placed.region,
              centroidMm: measured.centroid.map((x) => round(x, 1)) as [number, number, number],
              boxMm: {
                min: measured.min.map((x) => round(x, 1)) as [number, number, number],
                max: measured.max.map((x) => round(x, 1)) as [number, number, number],
              },
            }
          : null,
      mimics,
      subgroup: {
        vendor: vendor.id,
        modality: 'CT',
        sliceThicknessMm: thickness,
        noise,
        kernel: vendor.kernelName,
        sizeBin: sizeBin ?? 'none',
        photometric: 'MONOCHROME2',
        detector: null,
      },
    },
    description: {
      study: 'CT HEAD WITHOUT CONTRAST (SYNTHETIC PHANTOM)',
      series: `AX BRAIN ${thickness} mm ${vendor.kernelName}`,
      bodyPart: 'HEAD',
      protocol: 'PHANTOM ROUTINE HEAD',
      contrast: null,
      exposureMas: Math.round(250 / NOISE_FACTOR[noise] ** 2),
      ctdiVol: round(50 / NOISE_FACTOR[noise] ** 2, 1),
    },
  };
}

function pickThickness(rng: Rng): number {
  const t = rng.weighted<`${(typeof CT_SLICE_THICKNESSES)[number]}`>({ '0.625': 0.5, '1.25': 0.5, '2.5': 1, '3': 1, '4': 2, '5': 3 });
  return Number(t);
}
