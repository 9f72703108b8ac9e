import { type ChestProjection as Chest, ChestProjection, type CxrPoint, type Pneumothorax, sampleCxrParams } from './cxr-anatomy.js';
import { correlateNoise } from './image-filters.js';
import { GENERATOR_VERSION, type NoiseLevel, type PhantomLabel, type SizeBin, round } from './label.js';
import { syntheticPatient, type SyntheticPatient } from './patient.js';
import { Canvas, type Point2, wideBlur } from './raster2d.js';
import { NoiseSource, Rng } from '../../core/random.js';
import { CXR_VENDOR_IDS, CXR_VENDORS, type CxrVendor, type CxrVendorId } from './vendors.js';
import { type ScannerStyle, variedCxrVendor } from './varied-style.js';
import { growTree } from './vessel-tree.js';
import { NOISE_FACTOR } from './head-ct.js';

export const PTX_TYPES = ['apical', 'lateral'] as const;
export type PtxType = (typeof PTX_TYPES)[number];

export interface CxrOptions {
  seed: number;
  finding: 'none' | 'pneumothorax';
  vendor?: CxrVendorId;
  /** Shrinks the detector's pixel grid by this factor (1 real; 2 or 4 for fast tests). */
  scaleDown?: number;
  noise?: NoiseLevel;
  ptxType?: PtxType;
  size?: SizeBin;
  /** 'varied' (training only): a detector and processing drawn for this study, and more mimics. */
  style?: ScannerStyle;
}

/** A generated radiograph before it is written. */
export interface RadiographStudy {
  form: 'radiograph';
  /** Display values in [0, 1], 1 the brightest (most attenuating), row-major. */
  image: Float32Array;
  /** Pneumothorax fraction per pixel, 0-255. */
  mask: Uint8Array;
  rows: number;
  columns: number;
  spacingMm: number;
  vendor: CxrVendor;
  patient: SyntheticPatient;
  label: Omit<PhantomLabel, 'series'>;
  description: { study: string; series: string; view: 'PA' | 'AP' };
}

const MU = 0.02; // effective attenuation of water at chest radiograph energies, per mm
const RIM_QUANTILES: Record<SizeBin, [number, number]> = { small: [0, 0.33], medium: [0.33, 0.66], large: [0.66, 1] };

/** A frontal chest radiograph (DX or CR), processed for presentation as the vendor would. */
export function generateCxr(opts: CxrOptions): RadiographStudy {
  const { seed } = opts;
  const acq = new Rng(`cxr/${seed}/acquisition`);
  // A varied style has its own stream: the named vendors' draws stay as they were.
  const varied = opts.style === 'varied';
  const vendor = varied ? variedCxrVendor(new Rng(`cxr/${seed}/style`)) : CXR_VENDORS[opts.vendor ?? acq.pick(CXR_VENDOR_IDS)];
  const noise = opts.noise ?? acq.weighted<NoiseLevel>({ low: 1, standard: 3, high: 1 });
  const f = opts.scaleDown ?? 1;
  const columns = Math.round(vendor.detector.columns / f);
  const rows = Math.round(vendor.detector.rows / f);
  const px = vendor.detector.spacing * f;
  const view: 'PA' | 'AP' = acq.chance(0.75) ? 'PA' : 'AP';

  const rng = new Rng(`cxr/${seed}/anatomy`);
  const params = sampleCxrParams(rng);
  const angle = (rng.uniform(-5, 5) * Math.PI) / 180;
  const centre: Point2 = [rng.uniform(-20, 20), rng.uniform(-35, 10)];
  let ptx: Pneumothorax | null = null;
  let ptxType: PtxType | null = null;
  if (opts.finding === 'pneumothorax') {
    const fr = new Rng(`cxr/${seed}/finding`);
    ptxType = opts.ptxType ?? fr.pick(PTX_TYPES);
    const [lo, hi] = opts.size ? RIM_QUANTILES[opts.size] : [0, 1];
    const q = fr.uniform(lo, hi);
    ptx = {
      side: fr.chance(0.5) ? 1 : -1,
      type: ptxType,
      rim: rimFor(q),
      centre: ptxType === 'apical' ? fr.uniform(-1.9, -1.3) : fr.uniform(-0.35, 0.25),
      halfAngle: ptxType === 'apical' ? fr.uniform(0.8, 1.3) : fr.uniform(0.7, 1.1),
    };
  }
  const chest = new ChestProjection(params, ptx);

  // Frame (u, t) ↔ pixel (col, row): rotate about the chest centre, then shift.
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const x0 = (-columns * px) / 2;
  const y0 = (-rows * px) / 2;
  const toPixel = (u: number, t: number): Point2 => [(cos * u - sin * t + centre[0] - x0) / px, (sin * u + cos * t + centre[1] - y0) / px];

  const canvas = new Canvas(columns, rows);
  const water = canvas.data;
  const mask = new Uint8Array(columns * rows);
  const lung = new Uint8Array(columns * rows);
  const point: CxrPoint = { water: 0, ptx: 0, inLung: false };
  for (let row = 0; row < rows; row++) {
    const y = y0 + (row + 0.5) * px - centre[1];
    for (let col = 0; col < columns; col++) {
      const x = x0 + (col + 0.5) * px - centre[0];
      chest.at(cos * x + sin * y, -sin * x + cos * y, point);
      const i = row * columns + col;
      water[i] = point.water;
      if (point.ptx) mask[i] = 255;
      if (point.inLung) lung[i] = 1;
    }
  }
  const mm = (d: number) => d / px;
  drawSkeleton(canvas, chest, toPixel, mm, rng);
  const vessels = new Canvas(columns, rows);
  drawVessels(vessels, chest, toPixel, mm, rng, (i) => lung[i] === 0);
  for (let i = 0; i < water.length; i++) water[i]! += vessels.data[i]!;
  const mimics = drawMimics(canvas, chest, toPixel, mm, new Rng(`cxr/${seed}/mimics`), columns, rows);
  if (params.scapula > 0) mimics.push('scapular border');
  if (params.female) mimics.push('breast shadows');
  if (varied) mimics.push(...drawVariedMimics(canvas, chest, toPixel, mm, new Rng(`cxr/${seed}/varied-mimics`), columns, rows));

  const image = present(water, columns, rows, px, vendor, noise, new Rng(`cxr/${seed}/processing`), new NoiseSource(`cxr/${seed}/noise`), f);

  let ptxPixels = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) ptxPixels++;
  const positive = ptx !== null && ptxPixels > 0;
  const rim = ptx?.rim ?? 0;
  const sizeBin: SizeBin | null = positive ? (rim < 10 ? 'small' : rim < 25 ? 'medium' : 'large') : null;
  const detector = `${vendor.detector.columns}x${vendor.detector.rows}@${vendor.detector.spacing}mm`;
  return {
    form: 'radiograph',
    image,
    mask,
    rows,
    columns,
    spacingMm: px,
    vendor,
    patient: syntheticPatient('cxr', seed, rng.int(18, 92)),
    label: {
      generator: GENERATOR_VERSION,
      kind: 'cxr',
      finding: positive ? 'pneumothorax' : 'none',
      seed,
      positive,
      type: positive ? ptxType : null,
      size: positive && sizeBin ? { volumeMl: null, lengthMm: round(rim, 1), bin: sizeBin } : null,
      location: positive && ptx ? locate(mask, columns, px, ptx, ptxType!) : null,
      mimics,
      subgroup: {
        vendor: vendor.id,
        modality: vendor.modality,
        sliceThicknessMm: null,
        noise,
        kernel: `processing-${vendor.id}`,
        sizeBin: sizeBin ?? 'none',
        photometric: vendor.photometric,
        detector,
      },
    },
    description: { study: 'XR CHEST 1 VIEW (SYNTHETIC PHANTOM)', series: `CHEST ${view}`, view },
  };
}

/** Rim width (mm) for a size quantile: each third of [0, 1] spans one size bin (3-10, 10-25, 25-60 mm). */
function rimFor(q: number): number {
  const [lo, hi, f] = q < 1 / 3 ? [3, 10, q * 3] : q < 2 / 3 ? [10, 25, q * 3 - 1] : [25, 60, q * 3 - 2];
  return lo * (hi / lo) ** f;
}

function locate(mask: Uint8Array, columns: number, px: number, ptx: Pneumothorax, type: PtxType): PhantomLabel['location'] {
  let n = 0;
  let sx = 0;
  let sy = 0;
  const min: [number, number, number] = [Infinity, Infinity, 0];
  const max: [number, number, number] = [-Infinity, -Infinity, 0];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = (i % columns) * px;
    const y = Math.floor(i / columns) * px;
    n++;
    sx += x;
    sy += y;
    min[0] = Math.min(min[0], x);
    min[1] = Math.min(min[1], y);
    max[0] = Math.max(max[0], x);
    max[1] = Math.max(max[1], y);
  }
  // Image coordinates (mm from the first pixel's centre, x along rows, y down the columns).
  return {
    side: ptx.side > 0 ? 'left' : 'right',
    region: type,
    centroidMm: [round(sx / n, 1), round(sy / n, 1), 0],
    boxMm: { min: min.map((v) => round(v, 1)) as typeof min, max: max.map((v) => round(v, 1)) as typeof max },
  };
}

type ToPixel = (u: number, t: number) => Point2;

/** Spine, ribs (posterior and anterior, with their cortex), clavicles, trachea and main bronchi. */
function drawSkeleton(c: Canvas, chest: Chest, at: ToPixel, mm: (d: number) => number, rng: Rng): void {
  const p = chest.p;
  c.tube([at(0, p.apex - 90), at(0, p.domeLeft + 160)], mm(17), 0.04 * mm(1), 0.5);
  for (const s of [-1, 1]) {
    for (let k = 0; k < 10; k++) {
      const t0 = p.apex + 14 + k * rng.uniform(19, 23);
      const lateral = chest.lungLateral(t0 + 30) + 6;
      const back: Point2[] = [];
      for (let i = 0; i <= 12; i++) {
        const f = i / 12;
        back.push(at(s * (16 + f * (lateral - 16)), t0 - 10 * Math.sin(Math.PI * f * 0.8) + 42 * f ** 1.6));
      }
      c.tube(back, mm(4.5), 0.12 * mm(1), 1.4);
      const tEnd = t0 + 42;
      const front: Point2[] = [];
      for (let i = 0; i <= 10; i++) {
        const f = (i / 10) * 0.75;
        const u = (1 - f) ** 2 * lateral + 2 * f * (1 - f) * (lateral - 15) + f * f * (36 + 3 * k);
        const t = (1 - f) ** 2 * tEnd + 2 * f * (1 - f) * (tEnd + 50) + f * f * (tEnd + 38 + 2 * k);
        front.push(at(s * u, t));
      }
      c.tube(front, mm(3.8), 0.07 * mm(1), 0.7);
    }
    const clavicle: Point2[] = [];
    for (let i = 0; i <= 12; i++) {
      const f = i / 12;
      clavicle.push(at(s * (14 + f * (p.a - 20)), p.apex + 6 - 30 * f + 7 * Math.sin(2 * Math.PI * f)));
    }
    c.tube(clavicle, mm(7), 0.2 * mm(1), 2);
  }
  // Trachea and main bronchi: the air column, drawn as a union so the carina is not doubled.
  const airway = new Canvas(c.width, c.height);
  for (const s of [-1, 1]) airway.tube([at(0, p.apex - 90), at(0, -22), at(s * 38, 18)], mm(7.5), 0.25 * mm(1), 0, undefined, 'max');
  for (let i = 0; i < c.data.length; i++) c.data[i]! -= airway.data[i]!;
}

/** Lung markings: vessel trees from the hila, thinning to nothing in the outer centimetres. */
function drawVessels(c: Canvas, chest: Chest, at: ToPixel, mm: (d: number) => number, rng: Rng, skip: (i: number) => boolean): void {
  const probe: CxrPoint = { water: 0, ptx: 0, inLung: false };
  const inside = (q: [number, number, number]) => {
    chest.at(q[0], q[1], probe);
    return probe.inLung && Math.abs(q[2]) < 80;
  };
  const roots = [-1, 1].flatMap((s) => {
    const hilum: [number, number, number] = [s * (chest.lungMedial(5, s) + 12), 5, 0];
    return [
      { name: 'up', start: hilum, direction: [s * 0.35, -1, 0] as [number, number, number], radius: 3.2 },
      { name: 'out', start: hilum, direction: [s * 1, -0.1, 0.2] as [number, number, number], radius: 2.8 },
      { name: 'down', start: hilum, direction: [s * 0.45, 1, -0.2] as [number, number, number], radius: 3.8 },
      { name: 'down-out', start: hilum, direction: [s * 0.9, 0.7, 0.3] as [number, number, number], radius: 3.2 },
    ];
  });
  for (const seg of growTree(rng, roots, inside, 0.5, 2000, 9)) {
    c.tube([at(seg.a[0], seg.a[1]), at(seg.b[0], seg.b[1])], mm(seg.radius), (seg.radius > 1 ? 0.4 : 0.3) * mm(1), 0, skip, 'max');
  }
}

/** Things that look a little like a pleural line: skin folds, tubes and lines, ECG leads. */
function drawMimics(c: Canvas, chest: Chest, at: ToPixel, mm: (d: number) => number, rng: Rng, columns: number, rows: number): string[] {
  const p = chest.p;
  const mimics: string[] = [];
  if (rng.chance(0.25)) {
    mimics.push('endotracheal tube');
    const tip = rng.uniform(-75, -40);
    c.tube([at(1, p.apex - 200), at(0, p.apex - 60), at(2, tip)], mm(4.2), 0.12 * mm(1), 1.2);
    c.tube([at(1, p.apex - 200), at(0, p.apex - 60), at(2.5, tip)], mm(0.6), 4 * mm(1));
  }
  if (rng.chance(0.2)) {
    mimics.push('nasogastric tube');
    c.tube([at(-4, p.apex - 200), at(-2, -40), at(12, p.domeLeft + 10), at(50, p.domeLeft + 45)], mm(2), 0.25 * mm(1), 1);
  }
  if (rng.chance(0.25)) {
    mimics.push('central venous line');
    const s = rng.chance(0.5) ? 1 : -1;
    c.tube([at(s * (p.a - 25), p.apex - 15), at(s * 45, p.apex + 18), at(-18, -10), at(-20, rng.uniform(10, 40))], mm(1.2), 2.2 * mm(1));
  }
  if (rng.chance(0.35)) {
    mimics.push('ECG leads');
    for (let k = 0; k < rng.int(3, 5); k++) {
      const cu = rng.uniform(-p.a, p.a);
      const ct = rng.uniform(p.apex, p.domeLeft + 60);
      const ring: Point2[] = [];
      for (let i = 0; i <= 24; i++) ring.push(at(cu + 6 * Math.cos((i / 24) * 2 * Math.PI), ct + 6 * Math.sin((i / 24) * 2 * Math.PI)));
      c.tube(ring, mm(0.8), 1.5 * mm(1));
      const wire: Point2[] = [at(cu, ct)];
      let [wu, wt] = [cu, ct];
      for (let i = 0; i < 30; i++) {
        wu += rng.uniform(-8, 14) * Math.sign(cu || 1);
        wt += rng.uniform(-10, 10);
        wire.push(at(wu, wt));
      }
      c.tube(wire, mm(0.5), 1.2 * mm(1));
    }
  }
  if (rng.chance(0.2)) {
    mimics.push('skin fold');
    drawSkinFold(c, at, rng, columns, rows);
  }
  return mimics;
}

/** A skin fold: an edge (not a line) curving down over a lung, with the markings going on past it. */
function drawSkinFold(c: Canvas, at: ToPixel, rng: Rng, columns: number, rows: number): void {
  const s = rng.chance(0.5) ? 1 : -1;
  const cu = s * rng.uniform(150, 260);
  const ct = rng.uniform(-40, 40);
  const radius = Math.abs(cu) - rng.uniform(40, 100);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < columns; col++) {
      const [u, t] = fromPixel(at, col, row);
      const d = radius - Math.hypot(u - cu, t - ct);
      if (d > 0 && d < 30 && Math.abs(t - ct) < 110) c.data[row * columns + col]! += 7 * (1 - d / 30);
    }
  }
}

/**
 * The varied style's extra mimics of a pleural line, drawn from their own stream: more skin folds,
 * a thin line along the lateral chest wall (a scapula's or a fold's edge seen end on), and
 * bullae-like lucencies (round air spaces with a hairline wall, inside the lung, with no lung
 * edge around them).
 */
function drawVariedMimics(c: Canvas, chest: Chest, at: ToPixel, mm: (d: number) => number, rng: Rng, columns: number, rows: number): string[] {
  const p = chest.p;
  const mimics: string[] = [];
  if (rng.chance(0.35)) {
    mimics.push('skin fold');
    drawSkinFold(c, at, rng, columns, rows);
  }
  if (rng.chance(0.4)) {
    mimics.push('lateral chest wall line');
    const s = rng.chance(0.5) ? 1 : -1;
    const inset = rng.uniform(4, 25);
    const t0 = p.apex + rng.uniform(20, 60);
    const t1 = t0 + rng.uniform(60, 160);
    const line: Point2[] = [];
    for (let i = 0; i <= 16; i++) {
      const t = t0 + ((t1 - t0) * i) / 16;
      line.push(at(s * (chest.lungLateral(t) - inset), t));
    }
    c.tube(line, mm(rng.uniform(0.4, 0.9)), rng.uniform(0.6, 1.6) * mm(1));
  }
  const bullae = rng.chance(0.3) ? rng.int(1, 3) : 0;
  const probe: CxrPoint = { water: 0, ptx: 0, inLung: false };
  for (let k = 0; k < bullae; k++) {
    let u = 0;
    let t = 0;
    for (let tries = 0; tries < 20; tries++) {
      u = rng.uniform(-p.a, p.a);
      t = rng.uniform(p.apex, p.domeRight);
      chest.at(u, t, probe);
      if (probe.inLung) break;
    }
    if (!probe.inLung) continue;
    mimics.push('bulla');
    const radius = rng.uniform(8, 30);
    const depth = rng.uniform(6, 20);
    const [cx, cy] = at(u, t);
    const r = mm(radius);
    for (let row = Math.max(0, Math.floor(cy - r - 2)); row <= Math.min(rows - 1, Math.ceil(cy + r + 2)); row++) {
      for (let col = Math.max(0, Math.floor(cx - r - 2)); col <= Math.min(columns - 1, Math.ceil(cx + r + 2)); col++) {
        const d = Math.hypot(col + 0.5 - cx, row + 0.5 - cy) / r;
        if (d < 1) c.data[row * columns + col]! -= depth * Math.sqrt(1 - d * d);
      }
    }
    const wall: Point2[] = [];
    for (let i = 0; i <= 32; i++) wall.push(at(u + radius * Math.cos((i / 32) * 2 * Math.PI), t + radius * Math.sin((i / 32) * 2 * Math.PI)));
    c.tube(wall, mm(0.4), 0.8 * mm(1));
  }
  return mimics;
}

/** Inverse of `at` for an affine map (from three probes; cheap enough per pixel here). */
function fromPixel(at: ToPixel, col: number, row: number): Point2 {
  const o = at(0, 0);
  const eu = at(1, 0);
  const et = at(0, 1);
  const a = eu[0] - o[0];
  const b = et[0] - o[0];
  const c = eu[1] - o[1];
  const d = et[1] - o[1];
  const det = a * d - b * c;
  const x = col - o[0];
  const y = row - o[1];
  return [(d * x - b * y) / det, (-c * x + a * y) / det];
}

/**
 * The vendor's processing for presentation: log signal, a window from the image's own histogram,
 * the vendor's contrast curve, dynamic range compression and edge enhancement, quantum noise
 * (more where fewer photons arrive), and sometimes collimation left white.
 */
function present(
  water: Float32Array,
  w: number,
  h: number,
  px: number,
  vendor: CxrVendor,
  noise: NoiseLevel,
  rng: Rng,
  source: NoiseSource,
  scaleDown: number,
): Float32Array {
  const v = new Float32Array(water.length);
  const sample: number[] = [];
  for (let i = 0; i < water.length; i += 37) if (water[i]! > 20) sample.push(MU * water[i]!);
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(sample.length * 0.01)] ?? 0;
  const hi = sample[Math.floor(sample.length * 0.995)] ?? 5;
  for (let i = 0; i < v.length; i++) {
    const x = Math.min(1, Math.max(0, (MU * water[i]! - lo) / (hi - lo)));
    v[i] = x ** vendor.gamma;
  }
  const coarse = Float32Array.from(v);
  wideBlur(coarse, w, h, 25 / px);
  const fine = Float32Array.from(v);
  wideBlur(fine, w, h, Math.max(1, 1.5 / px));
  // Dynamic range compression lifts the lungs' dark and the mediastinum's bright large areas
  // towards the middle; edge enhancement sharpens what is left.
  const [compressLo, compressHi] = vendor.processing?.compress ?? [0.25, 0.55];
  const compress = rng.uniform(compressLo, compressHi);
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    v[i] = 0.08 + 0.84 * (x - compress * (coarse[i]! - 0.5) + vendor.sharpen * 0.5 * (x - fine[i]!));
  }
  const n = new Float32Array(v.length);
  source.fill(n, 1);
  correlateNoise(n, w, h, vendor.blurPx / scaleDown, (vendor.noise * NOISE_FACTOR[noise]) / scaleDown);
  for (let i = 0; i < v.length; i++) v[i] = Math.min(1, Math.max(0, v[i]! + n[i]! * (0.5 + v[i]!)));
  const lut = vendor.processing?.lut ?? 0;
  if (lut > 0) {
    // An S-shaped LUT (a logistic curve rescaled to keep 0 and 1), blended in by its strength.
    const k = 4 + 6 * lut;
    const s = (x: number) => 1 / (1 + Math.exp(-k * (x - 0.5)));
    const [s0, s1] = [s(0), s(1)];
    const blend = Math.min(1, lut);
    for (let i = 0; i < v.length; i++) v[i] = (1 - blend) * v[i]! + (blend * (s(v[i]!) - s0)) / (s1 - s0);
  }
  if (rng.chance(0.3)) {
    const [l, r, t, b] = [0, 1, 2, 3].map(() => Math.round(rng.uniform(5, 35) / px));
    const border = vendor.processing?.collimation ?? 1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (x < l! || x >= w - r! || y < t! || y >= h - b!) v[y * w + x] = border;
    }
  }
  return v;
}
