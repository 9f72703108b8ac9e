import { VigilError } from '../../core/errors.js';
import type { RadiographInput } from '../manifest.js';
import type { SourceImage, VoiInfo } from './dataset.js';
import { decodeFrame } from './decode.js';
import { axisWeights, resamplePlane } from './resample.js';
import { tensorLayout, writePlane } from './tensor.js';
import type { PipelineOutput } from './types.js';

/**
 * A projection radiograph to the model's tensor (models/README.md, "radiograph"): letterboxed
 * square resample on modality values, VOI to [0, 1], MONOCHROME1 inverted, normalised.
 */
export function preprocessRadiograph(images: SourceImage[], input: RadiographInput): PipelineOutput {
  const started = performance.now();
  if (images.length !== 1) throw new VigilError('TRIAGE_UNEXPECTED_IMAGE_COUNT', `a radiograph model takes one image, the series has ${images.length}`);
  const image = images[0]!;
  const { rows, columns } = image.format;
  const { spacing, source } = spacingOf(image);
  const [rowSpacing, colSpacing] = spacing;
  const size = input.size;
  const target = Math.max(rows * rowSpacing, columns * colSpacing) / size;
  const columnStep = target / colSpacing;
  const rowStep = target / rowSpacing;
  const columnOrigin = (columns - 1) / 2 - ((size - 1) / 2) * columnStep;
  const rowOrigin = (rows - 1) / 2 - ((size - 1) / 2) * rowStep;
  const xw = axisWeights(size, columns, columnOrigin, columnStep, Math.max(target, colSpacing) / colSpacing);
  const yw = axisWeights(size, rows, rowOrigin, rowStep, Math.max(target, rowSpacing) / rowSpacing);

  const t0 = performance.now();
  const pixels = decodeFrame(image);
  const decodeMs = performance.now() - t0;
  const plane = new Float32Array(size * size);
  // NaN marks the letterbox until VOI is done, so that it never enters the quantiles.
  resamplePlane(pixels, columns, xw, yw, image, Number.NaN, plane, new Float32Array(columns));

  const voi = voiFunction(input, image.voi, plane);
  const inverted = image.format.photometric === 'MONOCHROME1';
  const { mean, std } = input.normalise;
  const padded = (input.padValue - mean) / std;
  for (let i = 0; i < plane.length; i++) {
    const v = plane[i]!;
    if (Number.isNaN(v)) {
      plane[i] = padded;
      continue;
    }
    let u = voi.map(v);
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    plane[i] = ((inverted ? 1 - u : u) - mean) / std;
  }
  const layout = tensorLayout(input.layout, { C: input.channels, D: 1, H: size, W: size });
  const tensor = new Float32Array(layout.size);
  for (let c = 0; c < input.channels; c++) writePlane(tensor, layout, plane, c, 0, size, size);
  return {
    tensor,
    shape: layout.shape,
    sources: [{ file: image.file, sopInstanceUid: image.sopInstanceUid, frame: image.frame, positionMm: 0, columnOrigin, rowOrigin }],
    sliceSources: [0],
    geometry: {
      kind: 'radiograph',
      size,
      spacingMm: target,
      sourcePixelSpacing: spacing,
      spacingSource: source,
      inverted,
      voi: voi.name,
      columnStep,
      rowStep,
    },
    decodeMs,
    preprocessMs: performance.now() - started - decodeMs,
  };
}

/** Pixel Spacing (at the patient), else Imager Pixel Spacing over the magnification, else square. */
function spacingOf(image: SourceImage): { spacing: [number, number]; source: 'PixelSpacing' | 'ImagerPixelSpacing' | 'none' } {
  if (image.pixelSpacing) return { spacing: image.pixelSpacing, source: 'PixelSpacing' };
  if (image.imagerPixelSpacing) {
    const m = image.magnification && image.magnification > 0 ? image.magnification : 1;
    return { spacing: [image.imagerPixelSpacing[0] / m, image.imagerPixelSpacing[1] / m], source: 'ImagerPixelSpacing' };
  }
  return { spacing: [1, 1], source: 'none' };
}

interface VoiMap {
  name: string;
  map(v: number): number;
}

function voiFunction(input: RadiographInput, own: VoiInfo, plane: Float32Array): VoiMap {
  const spec = input.voi;
  switch (spec.mode) {
    case 'window':
      return windowMap('LINEAR_EXACT', spec.center, spec.width);
    case 'percentile':
      return percentileMap(plane, spec.range);
    case 'header': {
      if (own.lut) return lutMap(own.lut);
      const w = own.windows[0];
      if (w) return windowMap(own.func, w.center, w.width);
      return percentileMap(plane, spec.fallback);
    }
    default:
      return spec satisfies never;
  }
}

/** PS3.3 C.11.2.1.2 (LINEAR), C.11.2.1.3.2 (LINEAR_EXACT, SIGMOID), output scaled to [0, 1]. */
export function windowMap(func: string, c: number, w: number): VoiMap {
  switch (func) {
    case 'SIGMOID':
      return { name: `SIGMOID ${c}/${w}`, map: (v) => 1 / (1 + Math.exp((-4 * (v - c)) / w)) };
    case 'LINEAR_EXACT':
      return { name: `LINEAR_EXACT ${c}/${w}`, map: (v) => (v - c) / w + 0.5 };
    default: {
      const width = Math.max(1, w);
      return { name: `LINEAR ${c}/${w}`, map: (v) => (width === 1 ? (v < c - 0.5 ? 0 : 1) : (v - (c - 0.5)) / (width - 1) + 0.5) };
    }
  }
}

function lutMap(lut: NonNullable<VoiInfo['lut']>): VoiMap {
  const { first, data } = lut;
  let max = 0;
  for (const v of data) max = Math.max(max, v);
  const scale = max > 0 ? 1 / max : 0;
  const last = data.length - 1;
  return {
    name: `VOI LUT (${data.length} entries)`,
    map: (v) => {
      const x = v - first;
      if (x <= 0) return data[0]! * scale;
      if (x >= last) return data[last]! * scale;
      const i = Math.floor(x);
      return (data[i]! + (data[i + 1]! - data[i]!) * (x - i)) * scale;
    },
  };
}

function percentileMap(plane: Float32Array, [qLow, qHigh]: [number, number]): VoiMap {
  const inside = plane.filter((v) => !Number.isNaN(v)).sort();
  const at = (q: number): number => inside[Math.round(q * (inside.length - 1))] ?? 0;
  const low = at(qLow);
  const high = at(qHigh);
  const span = high > low ? high - low : 1;
  return { name: `percentile ${qLow}-${qHigh}`, map: (v) => (v - low) / span };
}
