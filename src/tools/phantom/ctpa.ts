import { ChestAnatomy, type CtpaGrids, GRID_ORIGIN, GRID_SIZE, sampleCtpaParams } from './ctpa-anatomy.js';
import { type PeType, placeEmbolus } from './ctpa-emboli.js';
import { type CtGeometry, measureMask, renderCt } from './ct-render.js';
import { type CtStudy, slicePositions, subsamplesFor } from './ct-study.js';
import { NOISE_FACTOR } from './head-ct.js';
import { GENERATOR_VERSION, type NoiseLevel, type SizeBin, round, sideOf } from './label.js';
import { syntheticPatient } from './patient.js';
import { type Pose, rotationFromAngles, toPatient } from './pose.js';
import { NoiseSource, Rng } from '../../core/random.js';
import { CT_VENDOR_IDS, CT_VENDORS, type CtVendorId } from './vendors.js';
import { FractionGrid, growTree, type TreeRoot, type VesselSegment } from './vessel-tree.js';

export interface CtpaOptions {
  seed: number;
  finding: 'none' | 'pe';
  vendor?: CtVendorId;
  sliceThicknessMm?: number;
  matrix?: number;
  noise?: NoiseLevel;
  peType?: PeType;
  size?: SizeBin;
}

const SIZE_QUANTILES: Record<SizeBin, [number, number]> = { small: [0, 0.33], medium: [0.33, 0.66], large: [0.66, 1] };

/** The central pulmonary arteries, drawn as given; the lobar trees grow from their ends. */
const CENTRAL: { name: string; a: [number, number, number]; b: [number, number, number]; r: number; parent: number | null }[] = [
  { name: 'trunk', a: [6, -58, -64], b: [10, -24, -10], r: 14, parent: null },
  { name: 'right pulmonary artery', a: [10, -24, -10], b: [-28, -12, -12], r: 11, parent: 0 },
  { name: 'right pulmonary artery', a: [-28, -12, -12], b: [-55, -2, -18], r: 10, parent: 1 },
  { name: 'left pulmonary artery', a: [10, -24, -10], b: [30, -8, -3], r: 10.5, parent: 0 },
  { name: 'left pulmonary artery', a: [30, -8, -3], b: [48, 10, -11], r: 9.5, parent: 3 },
];
const ARTERY_ROOTS: TreeRoot[] = [
  { name: 'right upper lobe', start: [-40, -10, -12], direction: [-0.4, -0.3, 0.85], radius: 6.5 },
  { name: 'right middle lobe', start: [-55, -2, -18], direction: [-0.35, -0.8, -0.45], radius: 4.5 },
  { name: 'right lower lobe', start: [-55, -2, -18], direction: [-0.25, 0.45, -0.85], radius: 7 },
  { name: 'left upper lobe', start: [36, -4, -4], direction: [0.35, -0.35, 0.85], radius: 6 },
  { name: 'lingula', start: [48, 10, -11], direction: [0.35, -0.75, -0.5], radius: 4.5 },
  { name: 'left lower lobe', start: [48, 10, -11], direction: [0.2, 0.5, -0.85], radius: 7 },
  // Segmental arteries that leave the lobar ones sideways, so the hilar levels are not bare.
  { name: 'right upper lobe', start: [-44, -9, -12], direction: [-0.5, 0.6, 0.6], radius: 4.5 },
  { name: 'right upper lobe', start: [-44, -9, -12], direction: [-0.5, -0.75, 0.3], radius: 4.5 },
  { name: 'right lower lobe', start: [-57, 0, -20], direction: [-0.3, 0.9, 0.1], radius: 4.5 },
  { name: 'left upper lobe', start: [38, -4, -4], direction: [0.5, -0.75, 0.3], radius: 4.5 },
  { name: 'left upper lobe', start: [40, -2, -5], direction: [0.5, 0.6, 0.6], radius: 4.5 },
  { name: 'left lower lobe', start: [50, 12, -13], direction: [0.3, 0.9, 0.1], radius: 4.5 },
];
const VEIN_ROOTS: TreeRoot[] = [
  { name: 'right superior vein', start: [-8, 6, -50], direction: [-1, 0.05, 0.35], radius: 7 },
  { name: 'right inferior vein', start: [-8, 8, -62], direction: [-1, 0.25, -0.35], radius: 7 },
  { name: 'left superior vein', start: [34, 8, -50], direction: [1, 0.05, 0.35], radius: 6.5 },
  { name: 'left inferior vein', start: [34, 10, -62], direction: [1, 0.25, -0.35], radius: 6.5 },
  { name: 'right superior vein', start: [-20, 2, -45], direction: [-0.6, -0.5, 0.6], radius: 5 },
  { name: 'right inferior vein', start: [-20, 10, -64], direction: [-0.5, 0.8, -0.2], radius: 5 },
  { name: 'left superior vein', start: [40, 2, -45], direction: [0.6, -0.5, 0.6], radius: 5 },
  { name: 'left inferior vein', start: [40, 12, -64], direction: [0.5, 0.8, -0.2], radius: 5 },
];

/** A CT pulmonary angiogram. Twins as for the head: the embolus comes from its own stream. */
export function generateCtpa(opts: CtpaOptions): CtStudy {
  const { seed } = opts;
  const acq = new Rng(`ctpa/${seed}/acquisition`);
  const vendor = CT_VENDORS[opts.vendor ?? acq.pick(CT_VENDOR_IDS)];
  const thickness = opts.sliceThicknessMm ?? acq.pick([1, 1.25, 2, 2.5, 3]);
  const noise = opts.noise ?? acq.weighted<NoiseLevel>({ low: 1, standard: 3, high: 1 });
  const matrix = opts.matrix ?? 512;
  const fov = acq.uniform(340, 400);
  const px = fov / matrix;

  const anatomyRng = new Rng(`ctpa/${seed}/anatomy`);
  const params = sampleCtpaParams(anatomyRng);
  const grids: CtpaGrids = {
    artery: new FractionGrid(GRID_ORIGIN, GRID_SIZE),
    vein: new FractionGrid(GRID_ORIGIN, GRID_SIZE),
    clot: new FractionGrid(GRID_ORIGIN, GRID_SIZE),
  };
  const anatomy = new ChestAnatomy(params, grids, `ctpa/${seed}`);
  const segments: VesselSegment[] = CENTRAL.map((c, id) => ({ id, parent: c.parent, a: c.a, b: c.b, radius: c.r, generation: 0, root: c.name }));
  for (const s of growTree(anatomyRng, ARTERY_ROOTS, (p) => anatomy.inLung(p), 0.7, 700)) {
    // Lobar roots hang off the hilar end of their main artery.
    const parent = s.parent === null ? (s.root.startsWith('right') ? 2 : 4) : s.parent + CENTRAL.length;
    segments.push({ ...s, id: s.id + CENTRAL.length, parent });
  }
  for (const s of segments) grids.artery.addCapsule(s.a, s.b, s.radius);
  for (const s of growTree(anatomyRng, VEIN_ROOTS, (p) => anatomy.inLung(p), 0.7, 700)) grids.vein.addCapsule(s.a, s.b, s.radius);

  const pose: Pose = {
    centre: [anatomyRng.uniform(-10, 10), anatomyRng.uniform(-15, 5), anatomyRng.uniform(-60, 60)],
    rotation: rotationFromAngles(anatomyRng.uniform(-3, 3), anatomyRng.uniform(-3, 3), anatomyRng.uniform(-4, 4)),
  };
  const ageYears = anatomyRng.int(25, 90);

  let placed: ReturnType<typeof placeEmbolus> | null = null;
  if (opts.finding === 'pe') {
    const fr = new Rng(`ctpa/${seed}/finding`);
    const type = opts.peType ?? fr.weighted<PeType>({ central: 2, segmental: 3 });
    const [lo, hi] = opts.size ? SIZE_QUANTILES[opts.size] : [0, 1];
    placed = placeEmbolus(fr, segments, grids.clot, type, fr.uniform(lo, hi));
  }

  const geometry: CtGeometry = {
    matrix,
    pixelSpacingMm: px,
    sliceThicknessMm: thickness,
    zPositionsMm: slicePositions(pose.centre[2] - 168, pose.centre[2] + 80, thickness),
    originXMm: -fov / 2 + px / 2,
    originYMm: -fov / 2 + px / 2,
    fovRadiusMm: fov / 2,
  };
  // The chest attenuates more than the head: about three times the noise at the same dose.
  const noiseSd = 3 * vendor.noiseAt5mm * Math.sqrt(5 / thickness) * NOISE_FACTOR[noise] * (matrix / 512);
  const streaks = new Rng(`ctpa/${seed}/streaks`);
  const volume = renderCt(geometry, pose, anatomy, {
    subsamples: subsamplesFor(thickness),
    kernelSigmaPx: (vendor.kernelSigma * matrix) / 512,
    kernelSharpen: vendor.kernelSharpen,
    noiseSdHu: () => noiseSd,
    noiseGrainPx: (vendor.noiseGrain * matrix) / 512,
    outsideFovHu: vendor.storage.outsideFovHu,
    noise: new NoiseSource(`ctpa/${seed}/noise`),
    afterSlice: (hu, k) => svcStreaks(hu, geometry, pose, anatomy, geometry.zPositionsMm[k]! - pose.centre[2], streaks),
  });

  const measured = placed ? measureMask(volume) : null;
  const positive = measured !== null && measured.volumeMl > 0;
  const sizeBin: SizeBin | null = measured ? (measured.volumeMl < 0.3 ? 'small' : measured.volumeMl < 2 ? 'medium' : 'large') : null;
  const mimics: string[] = [];
  if (params.mixing) mimics.push('mixing artefact');
  if (params.nodes.length) mimics.push('hilar lymph nodes');
  if (params.motion) mimics.push('respiratory motion');
  if (params.hu.svc > 650) mimics.push('dense contrast in the SVC (streaks)');
  if (params.hu.artery < 255) mimics.push('suboptimal bolus');
  return {
    form: 'ct',
    volume,
    vendor,
    patient: syntheticPatient('ctpa', seed, ageYears),
    label: {
      generator: GENERATOR_VERSION,
      kind: 'ctpa',
      finding: positive ? 'pe' : 'none',
      seed,
      positive,
      type: positive && placed ? placed.type : null,
      size: positive && measured && sizeBin && placed ? { volumeMl: round(measured.volumeMl, 3), lengthMm: round(placed.lengthMm, 1), bin: sizeBin } : null,
      location:
        positive && measured && placed
          ? {
              side: placed.saddle ? 'bilateral' : sideOf(measured.centroid[0] - pose.centre[0]),
              region: placed.saddle ? 'saddle (bifurcation)' : placed.region,
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
      study: 'CT PULMONARY ANGIOGRAM (SYNTHETIC PHANTOM)',
      series: `CTPA ${thickness} mm ${vendor.kernelName}`,
      bodyPart: 'CHEST',
      protocol: 'PHANTOM CTPA',
      contrast: { agent: 'IOHEXOL 350 (SYNTHETIC)', route: 'IV', volumeMl: 70 },
      exposureMas: Math.round(180 / NOISE_FACTOR[noise] ** 2),
      ctdiVol: round(8 / NOISE_FACTOR[noise] ** 2, 1),
    },
  };
}

/**
 * Undiluted contrast in the SVC hardens the beam: dark and bright streaks radiate from it across
 * the mediastinum and the right pulmonary artery, a classic mimic of a filling defect.
 */
function svcStreaks(hu: Float32Array, g: CtGeometry, pose: Pose, anatomy: ChestAnatomy, w: number, rng: Rng): void {
  const dense = anatomy.params.hu.svc;
  if (dense < 650) return;
  const c = anatomy.svcCentre(w);
  if (!c) return;
  const p = toPatient(pose, [c[0], c[1], w]);
  const px = g.pixelSpacingMm;
  const cx = (p[0] - g.originXMm) / px;
  const cy = (p[1] - g.originYMm) / px;
  const reach = 130 / px;
  const strength = (dense - 500) / 1000;
  const streaks = Array.from({ length: 6 }, (_, i) => ({ angle: rng.uniform(0, Math.PI), amp: (i % 2 ? 60 : -110) * strength * rng.uniform(0.5, 1.2) }));
  const width = 1.4 / px;
  const n = g.matrix;
  for (let row = Math.max(0, Math.floor(cy - reach)); row < Math.min(n, Math.ceil(cy + reach)); row++) {
    for (let col = Math.max(0, Math.floor(cx - reach)); col < Math.min(n, Math.ceil(cx + reach)); col++) {
      const dx = col - cx;
      const dy = row - cy;
      const r = Math.sqrt(dx * dx + dy * dy);
      if (r < 10 / px || r > reach) continue;
      let add = 0;
      for (const s of streaks) {
        // Distance from the line through the SVC at this angle.
        const d = Math.abs(dx * Math.sin(s.angle) - dy * Math.cos(s.angle));
        if (d < 4 * width) add += s.amp * Math.exp(-(d * d) / (2 * width * width));
      }
      hu[row * n + col]! += add * (1 - r / reach);
    }
  }
}
