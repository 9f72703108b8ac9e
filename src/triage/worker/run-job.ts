import fs from 'node:fs';
import { VigilError } from '../../core/errors.js';
import { renderKeyImage } from '../key-image.js';
import { localisationOf } from '../localisation.js';
import { readImages } from '../pipeline/dataset.js';
import { decodeFrame } from '../pipeline/decode.js';
import { preprocessSeries, type PreprocessResult } from '../pipeline/preprocess.js';
import type { JobResult, PackRef } from './protocol.js';
import { activate, infer, outputValues, sessionFor } from './sessions.js';

const MB = 1024 * 1024;

/** One triage job inside a worker: series files → tensor → model → probability, map, key image. */
export async function runJob(pack: PackRef, files: string[], keyImageMaxSide: number): Promise<JobResult> {
  const { manifest } = pack;
  const session = await sessionFor(pack);
  const pre = await preprocessSeries(files, manifest, { maxBytes: manifest.resources.maxMemoryMb * MB });

  const t0 = performance.now();
  const outputs = await infer(session, manifest.input.name, pre.tensor, pre.shape);
  const inferenceMs = performance.now() - t0;
  const probabilityOut = outputValues(outputs, manifest.outputs.probability.name);
  if (probabilityOut.data.length !== 1)
    throw new VigilError('TRIAGE_MODEL_FAILED', `output "${manifest.outputs.probability.name}" has ${probabilityOut.data.length} values, one expected`);
  const probability = activate(probabilityOut.data, manifest.outputs.probability.activation)[0]!;
  const mapOut = outputValues(outputs, manifest.outputs.localisation.name);
  const map = activate(Float32Array.from(mapOut.data), manifest.outputs.localisation.activation);
  const mapShape = dropLeadingOnes(mapOut.dims, manifest.outputs.localisation.layout.length);
  if (!Number.isFinite(probability) || map.some((v) => !Number.isFinite(v)))
    throw new VigilError('TRIAGE_MODEL_FAILED', 'the model gave a value that is not a finite number');

  const t1 = performance.now();
  const key = keyOf(pre, map, mapShape);
  const keyImagePng = key ? keyImage(pack, files, pre, map, mapShape, key, keyImageMaxSide) : null;
  return {
    probability,
    map,
    mapShape,
    inputShape: pre.shape,
    keyFile: key ? pre.sources[key.source]!.file : null,
    keySourceIndex: key?.source ?? null,
    keyFrame: key ? pre.sources[key.source]!.frame : null,
    keySlice: key?.slice ?? null,
    keyImagePng,
    localisation: key ? localisationOf(pre, map, mapShape) : null,
    timings: { ...pre.timings, inferenceMs, keyImageMs: performance.now() - t1 },
  };
}

function dropLeadingOnes(dims: number[], rank: number): number[] {
  const out = [...dims];
  while (out.length > rank && out[0] === 1) out.shift();
  if (out.length !== rank) throw new VigilError('TRIAGE_MODEL_FAILED', `localisation map has shape [${dims.join(', ')}], ${rank} dimensions expected`);
  return out;
}

/** The map's largest cell → tensor slice → nearest source image. */
function keyOf(pre: PreprocessResult, map: Float32Array, mapShape: number[]): { slice: number; source: number; mapPlane: number } | null {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  const planeSize = mapShape.length === 3 ? mapShape[1]! * mapShape[2]! : map.length;
  const mapPlane = Math.floor(best / planeSize);
  const depth = pre.sliceSources.length;
  const mapDepth = mapShape.length === 3 ? mapShape[0]! : 1;
  const slice = Math.min(depth - 1, Math.floor(((mapPlane + 0.5) * depth) / mapDepth));
  // A peak in the padding falls back to the nearest slice that has an image.
  for (let step = 0; step < depth; step++) {
    for (const s of [slice - step, slice + step]) {
      const source = pre.sliceSources[s];
      if (source !== undefined && source !== null) return { slice: s, source, mapPlane };
    }
  }
  return null;
}

function keyImage(
  pack: PackRef,
  files: string[],
  pre: PreprocessResult,
  map: Float32Array,
  mapShape: number[],
  key: { source: number; mapPlane: number },
  maxSide: number,
): Uint8Array {
  const { input } = pack.manifest;
  const source = pre.sources[key.source]!;
  const image = readImages(fs.readFileSync(files[source.file]!), source.file)[source.frame];
  if (!image) throw new VigilError('TRIAGE_CORRUPT_FRAME', 'the key image vanished between reads');
  const pixels = decodeFrame(image);
  const [mapRows, mapColumns] = mapShape.slice(-2) as [number, number];
  const planeSize = mapRows * mapColumns;
  const geometry = pre.geometry;
  const grid = geometry.kind === 'volume' ? { rows: geometry.grid[1], columns: geometry.grid[2] } : { rows: geometry.size, columns: geometry.size };
  const firstWindow = input.kind === 'volume' ? input.channels.find((c) => c.kind === 'window') : undefined;
  const window = firstWindow && firstWindow.kind === 'window' ? { center: firstWindow.center, width: firstWindow.width } : (image.voi.windows[0] ?? null);
  let mapMax = 0;
  for (const v of map) mapMax = Math.max(mapMax, v);
  const { png } = renderKeyImage({
    pixels,
    rows: image.format.rows,
    columns: image.format.columns,
    rescale: image,
    window,
    invert: input.kind === 'radiograph' && image.format.photometric === 'MONOCHROME1',
    map: map.subarray(key.mapPlane * planeSize, (key.mapPlane + 1) * planeSize),
    mapRows,
    mapColumns,
    mapMax,
    columnOrigin: source.columnOrigin,
    rowOrigin: source.rowOrigin,
    columnStep: geometry.columnStep,
    rowStep: geometry.rowStep,
    gridRows: grid.rows,
    gridColumns: grid.columns,
    maxSide,
  });
  // A copy: a small Buffer may sit in Node's shared pool, which must not be transferred.
  return new Uint8Array(png);
}
