import type { StoredPixels } from './decode.js';

/**
 * Separable resampling with a triangle kernel whose half-width is the larger of the target and
 * source spacing: linear interpolation when upsampling, an anti-aliasing average when
 * downsampling. Weights are computed once per axis (never per pixel) and the passes run over
 * typed arrays with no allocation inside the loops.
 */
export interface AxisWeights {
  outCount: number;
  /** Taps per output, fixed, so output o's weights sit at o * taps. */
  taps: number;
  /** First source index of each output; its tap count, 0 when the output lies outside the source. */
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
}

/**
 * Weights along one axis. Output o sits at source coordinate `origin + o * step` (in source
 * samples, 0 at the centre of the first); `halfWidth` is the kernel's half-width in source
 * samples (≥ 1). An output more than half a sample outside the source gets no taps.
 */
export function axisWeights(outCount: number, sourceCount: number, origin: number, step: number, halfWidth: number): AxisWeights {
  const hw = Math.max(1, halfWidth);
  const taps = Math.ceil(2 * hw) + 1;
  const start = new Int32Array(outCount);
  const count = new Int32Array(outCount);
  const weights = new Float32Array(outCount * taps);
  for (let o = 0; o < outCount; o++) {
    const u = origin + o * step;
    if (u < -0.5 || u > sourceCount - 0.5) continue;
    const first = Math.max(0, Math.ceil(u - hw));
    const last = Math.min(sourceCount - 1, Math.floor(u + hw));
    let sum = 0;
    let n = 0;
    for (let m = first; m <= last && n < taps; m++) {
      const w = 1 - Math.abs(m - u) / hw;
      weights[o * taps + n] = w > 0 ? w : 0;
      sum += w > 0 ? w : 0;
      n++;
    }
    if (sum <= 0) continue;
    for (let t = 0; t < n; t++) weights[o * taps + t]! /= sum;
    start[o] = first;
    count[o] = n;
  }
  return { outCount, taps, start, count, weights };
}

/**
 * Resamples one frame of stored values onto a plane, then applies the modality rescale
 * (linear, so rescaling after the normalised weights is exact) and pads outside the source.
 * The vertical pass runs first, over whole source rows (long contiguous loops the JIT handles
 * well); the short horizontal pass then works on one accumulated row. `scratch` must hold at
 * least one source row.
 */
export function resamplePlane(
  src: StoredPixels,
  srcColumns: number,
  xw: AxisWeights,
  yw: AxisWeights,
  rescale: { slope: number; intercept: number },
  pad: number,
  out: Float32Array,
  scratch: Float32Array,
): void {
  const outW = xw.outCount;
  const outH = yw.outCount;
  const { start: xs, count: xc, weights: xwts, taps: xt } = xw;
  const { start: ys, count: yc, weights: ywts, taps: yt } = yw;
  // Only the source columns some output reads.
  let colFirst = srcColumns;
  let colLast = -1;
  for (let j = 0; j < outW; j++) {
    if (xc[j] === 0) continue;
    colFirst = Math.min(colFirst, xs[j]!);
    colLast = Math.max(colLast, xs[j]! + xc[j]! - 1);
  }
  const { slope, intercept } = rescale;
  for (let i = 0; i < outH; i++) {
    const outBase = i * outW;
    const n = yc[i]!;
    if (n === 0 || colLast < 0) {
      out.fill(pad, outBase, outBase + outW);
      continue;
    }
    let rowBase = ys[i]! * srcColumns;
    let w = ywts[i * yt]!;
    for (let c = colFirst; c <= colLast; c++) scratch[c] = src[rowBase + c]! * w;
    for (let t = 1; t < n; t++) {
      rowBase += srcColumns;
      w = ywts[i * yt + t]!;
      for (let c = colFirst; c <= colLast; c++) scratch[c]! += src[rowBase + c]! * w;
    }
    for (let j = 0; j < outW; j++) {
      const m = xc[j]!;
      if (m === 0) {
        out[outBase + j] = pad;
        continue;
      }
      const s = xs[j]!;
      const wb = j * xt;
      let acc = 0;
      for (let t = 0; t < m; t++) acc += scratch[s + t]! * xwts[wb + t]!;
      out[outBase + j] = acc * slope + intercept;
    }
  }
}
