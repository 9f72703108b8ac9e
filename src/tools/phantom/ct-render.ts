import { applyKernel, correlateNoise } from './image-filters.js';
import type { Pose, Vec3 } from './pose.js';
import type { NoiseSource } from '../../core/random.js';

/**
 * What an anatomy model answers for one point of its frame. A class, so that every instance has
 * the same hidden class with double fields: a literal `{ hu: 0 }` starts as a small integer and
 * makes V8 deoptimise the sampling loop when a second phantom is drawn in the same process.
 */
export class CtSample {
  hu = 0.5;
  /** 1 inside the finding (hemorrhage, embolus), 0 elsewhere. */
  lesion = 0.5;
}

export interface CtSampler {
  /** Writes the HU and lesion membership at frame point (u, v, w) into `out` (no allocation). */
  sample(u: number, v: number, w: number, out: CtSample): void;
}

/** An axial CT acquisition: slices along +z, rows along +y, columns along +x (patient LPS). */
export interface CtGeometry {
  matrix: number;
  pixelSpacingMm: number;
  sliceThicknessMm: number;
  /** z of each slice centre, ascending (mm). */
  zPositionsMm: number[];
  /** Patient x and y of the first pixel's centre. */
  originXMm: number;
  originYMm: number;
  /** Reconstruction circle: pixels beyond it hold the vendor's padding value. */
  fovRadiusMm: number;
}

export interface CtRenderOptions {
  /** Points sampled through the slice thickness (partial volume). */
  subsamples: number;
  kernelSigmaPx: number;
  kernelSharpen: number;
  noiseSdHu: (sliceIndex: number) => number;
  noiseGrainPx: number;
  outsideFovHu: number;
  noise: NoiseSource;
  /** Artefacts drawn on each finished slice before noise (streaks...). */
  afterSlice?: (hu: Float32Array, sliceIndex: number) => void;
}

export interface CtVolume {
  geometry: CtGeometry;
  /** HU per slice, row-major, in the order of `zPositionsMm`. */
  hu: Float32Array[];
  /** Lesion fraction per voxel, 0-255. */
  mask: Uint8Array[];
}

/** Samples an anatomy through the acquisition, then applies the kernel and noise slice by slice. */
export function renderCt(geometry: CtGeometry, pose: Pose, sampler: CtSampler, opts: CtRenderOptions): CtVolume {
  const n = geometry.matrix;
  const px = geometry.pixelSpacingMm;
  const r = pose.rotation;
  const out = new CtSample();
  const hu: Float32Array[] = [];
  const mask: Uint8Array[] = [];
  const noiseBuf = new Float32Array(n * n);
  const fovR2 = (geometry.fovRadiusMm / px) ** 2;
  const centrePx = (n - 1) / 2;
  // Frame coordinates change linearly along a row: step once per column.
  const du = r[0] * px;
  const dv = r[3] * px;
  const dw = r[6] * px;
  for (let k = 0; k < geometry.zPositionsMm.length; k++) {
    const slice = new Float32Array(n * n);
    const lesion = new Float32Array(n * n);
    const zc = geometry.zPositionsMm[k]!;
    for (let s = 0; s < opts.subsamples; s++) {
      const z = zc + geometry.sliceThicknessMm * ((s + 0.5) / opts.subsamples - 0.5);
      for (let row = 0; row < n; row++) {
        const p: Vec3 = [geometry.originXMm - pose.centre[0], geometry.originYMm + row * px - pose.centre[1], z - pose.centre[2]];
        let u = r[0] * p[0] + r[1] * p[1] + r[2] * p[2];
        let v = r[3] * p[0] + r[4] * p[1] + r[5] * p[2];
        let w = r[6] * p[0] + r[7] * p[1] + r[8] * p[2];
        const base = row * n;
        for (let col = 0; col < n; col++) {
          sampler.sample(u, v, w, out);
          slice[base + col]! += out.hu;
          lesion[base + col]! += out.lesion;
          u += du;
          v += dv;
          w += dw;
        }
      }
    }
    const inv = 1 / opts.subsamples;
    const m = new Uint8Array(n * n);
    for (let i = 0; i < slice.length; i++) {
      slice[i]! *= inv;
      m[i] = Math.round(lesion[i]! * inv * 255);
    }
    opts.afterSlice?.(slice, k);
    const sigma = opts.kernelSigmaPx;
    applyKernel(slice, n, n, sigma, opts.kernelSharpen);
    opts.noise.fill(noiseBuf, 1);
    correlateNoise(noiseBuf, n, n, opts.noiseGrainPx, opts.noiseSdHu(k));
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const i = row * n + col;
        const inside = (row - centrePx) ** 2 + (col - centrePx) ** 2 <= fovR2;
        // Air carries little visible noise after clipping; noise is added everywhere in the circle.
        slice[i] = inside ? slice[i]! + noiseBuf[i]! : opts.outsideFovHu;
      }
    }
    hu.push(slice);
    mask.push(m);
  }
  return { geometry, hu, mask };
}

/** Volume (mL), centroid and bounding box (patient mm) of the lesion mask. */
export function measureMask(vol: CtVolume): { volumeMl: number; centroid: Vec3; min: Vec3; max: Vec3 } | null {
  const g = vol.geometry;
  const voxelMl = (g.pixelSpacingMm * g.pixelSpacingMm * spacingOf(g)) / 1000;
  let sum = 0;
  const c: Vec3 = [0, 0, 0];
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  const n = g.matrix;
  vol.mask.forEach((m, k) => {
    const z = g.zPositionsMm[k]!;
    for (let i = 0; i < m.length; i++) {
      const f = m[i]!;
      if (f === 0) continue;
      const x = g.originXMm + (i % n) * g.pixelSpacingMm;
      const y = g.originYMm + Math.floor(i / n) * g.pixelSpacingMm;
      const wgt = f / 255;
      sum += wgt;
      c[0] += wgt * x;
      c[1] += wgt * y;
      c[2] += wgt * z;
      if (f >= 128) {
        min[0] = Math.min(min[0], x);
        min[1] = Math.min(min[1], y);
        min[2] = Math.min(min[2], z);
        max[0] = Math.max(max[0], x);
        max[1] = Math.max(max[1], y);
        max[2] = Math.max(max[2], z);
      }
    }
  });
  if (sum === 0) return null;
  if (!Number.isFinite(min[0])) {
    // Only partial voxels: report the centroid as a degenerate box.
    const cc: Vec3 = [c[0] / sum, c[1] / sum, c[2] / sum];
    return { volumeMl: sum * voxelMl, centroid: cc, min: cc, max: cc };
  }
  return { volumeMl: sum * voxelMl, centroid: [c[0] / sum, c[1] / sum, c[2] / sum], min, max };
}

export function spacingOf(g: CtGeometry): number {
  const z = g.zPositionsMm;
  return z.length > 1 ? (z[z.length - 1]! - z[0]!) / (z.length - 1) : g.sliceThicknessMm;
}
