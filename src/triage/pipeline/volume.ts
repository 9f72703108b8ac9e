import { VigilError } from '../../core/errors.js';
import type { Channel, VolumeInput } from '../manifest.js';
import type { SourceImage } from './dataset.js';
import { decodeFrame, type StoredPixels } from './decode.js';
import { buildStack, sliceWeights, volumeGrid } from './geometry.js';
import { axisWeights, resamplePlane, type AxisWeights } from './resample.js';
import { tensorLayout, writePlane } from './tensor.js';
import type { PipelineOutput, SourceRef } from './types.js';

/**
 * A cross-sectional series to the model's volume tensor (models/README.md, "volume"): stack and
 * sort, resample every needed image in plane once (with its own offset, which corrects gantry
 * tilt), interpolate along the normal at the true positions, then the channels.
 */
export function preprocessVolume(all: SourceImage[], input: VolumeInput, maxBytes = Number.POSITIVE_INFINITY): PipelineOutput {
  let decodeMs = 0;
  const started = performance.now();
  const images = all.filter((image) => !image.imageType.includes('LOCALIZER'));
  const stack = buildStack(images, input.maxGapFactor);
  const grid = volumeGrid(stack, input.grid, input.spacingMm, input.maxDepth);
  const { depth, rows, columns } = grid;
  const planeSize = rows * columns;

  const sliceTaps = Array.from({ length: depth }, (_, k) => sliceWeights(stack.positions, grid.firstPosition + k * grid.spacing[0], grid.spacing[0]));
  const needed = new Set(sliceTaps.flatMap((taps) => taps.map((t) => t.index)));
  // Resampled planes, the tensor and one decoded frame: refuse before allocating them.
  const bytes = 4 * (needed.size * planeSize + depth * planeSize * input.channels.length + stack.rows * stack.columns * 2);
  if (bytes > maxBytes) {
    throw new VigilError('TRIAGE_MEMORY_LIMIT', `preprocessing needs about ${Math.round(bytes / 1048576)} MB, more than the model's bound allows`);
  }

  // In-plane resampling of each needed image; the weights are shared while the offset is.
  const planes = new Map<number, Float32Array>();
  const scratch = new Float32Array(stack.columns);
  const [rowSpacing, colSpacing] = stack.pixelSpacing;
  const xHalf = Math.max(grid.spacing[2], colSpacing) / colSpacing;
  const yHalf = Math.max(grid.spacing[1], rowSpacing) / rowSpacing;
  let xw: AxisWeights | undefined;
  let yw: AxisWeights | undefined;
  let lastX = Number.NaN;
  let lastY = Number.NaN;
  for (const k of [...needed].sort((a, b) => a - b)) {
    const image = stack.images[k]!;
    if (!xw || lastX !== grid.columnOrigin[k]) {
      xw = axisWeights(columns, stack.columns, grid.columnOrigin[k]!, grid.columnStep, xHalf);
      lastX = grid.columnOrigin[k]!;
    }
    if (!yw || lastY !== grid.rowOrigin[k]) {
      yw = axisWeights(rows, stack.rows, grid.rowOrigin[k]!, grid.rowStep, yHalf);
      lastY = grid.rowOrigin[k]!;
    }
    const t0 = performance.now();
    const pixels: StoredPixels = decodeFrame(image);
    decodeMs += performance.now() - t0;
    const plane = new Float32Array(planeSize);
    resamplePlane(pixels, stack.columns, xw, yw, image, input.padValue, plane, scratch);
    planes.set(k, plane);
  }

  const layout = tensorLayout(input.layout, { C: input.channels.length, D: depth, H: rows, W: columns });
  const tensor = new Float32Array(layout.size);
  const mixed = new Float32Array(planeSize);
  const channel = new Float32Array(planeSize);
  const sliceSources: (number | null)[] = [];
  sliceTaps.forEach((taps, d) => {
    if (taps.length === 0) mixed.fill(input.padValue);
    else {
      mixed.fill(0);
      for (const { index, weight } of taps) {
        const plane = planes.get(index)!;
        for (let i = 0; i < planeSize; i++) mixed[i]! += plane[i]! * weight;
      }
    }
    sliceSources.push(taps.length === 0 ? null : nearest(stack.positions, grid.firstPosition + d * grid.spacing[0]));
    input.channels.forEach((spec, c) => {
      applyChannel(spec, mixed, channel);
      writePlane(tensor, layout, channel, c, d, rows, columns);
    });
  });

  const sources: SourceRef[] = stack.images.map((image, k) => ({
    file: image.file,
    sopInstanceUid: image.sopInstanceUid,
    frame: image.frame,
    positionMm: stack.positions[k]!,
    columnOrigin: grid.columnOrigin[k]!,
    rowOrigin: grid.rowOrigin[k]!,
  }));
  return {
    tensor,
    shape: layout.shape,
    sources,
    sliceSources,
    geometry: {
      kind: 'volume',
      grid: [depth, rows, columns],
      spacingMm: grid.spacing,
      centre: grid.centre,
      rowDirection: stack.rowDir,
      columnDirection: stack.colDir,
      normal: stack.normal,
      firstPositionMm: grid.firstPosition,
      sourcePixelSpacing: stack.pixelSpacing,
      columnStep: grid.columnStep,
      rowStep: grid.rowStep,
    },
    decodeMs,
    preprocessMs: performance.now() - started - decodeMs,
  };
}

/** window: (v - (c - w/2)) / w clipped to [0, 1]; normalise: (clip(v) - mean) / std. */
function applyChannel(spec: Channel, src: Float32Array, out: Float32Array): void {
  switch (spec.kind) {
    case 'window': {
      const low = spec.center - spec.width / 2;
      const scale = 1 / spec.width;
      for (let i = 0; i < src.length; i++) {
        const v = (src[i]! - low) * scale;
        out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
      return;
    }
    case 'normalise': {
      const [low, high] = spec.clip;
      const scale = 1 / spec.std;
      for (let i = 0; i < src.length; i++) {
        const v = src[i]! < low ? low : src[i]! > high ? high : src[i]!;
        out[i] = (v - spec.mean) * scale;
      }
      return;
    }
    default:
      spec satisfies never;
  }
}

function nearest(positions: Float64Array, d: number): number {
  let best = 0;
  for (let k = 1; k < positions.length; k++) if (Math.abs(positions[k]! - d) < Math.abs(positions[best]! - d)) best = k;
  return best;
}
