import type { PipelineOutput } from './pipeline/types.js';
import { sample } from './key-image.js';

/**
 * Where one source image sits on the model's localisation map: the map plane at its position
 * along the slice normal (fractional: between two planes it is interpolated) and where model
 * grid pixel (0, 0) falls on it, as the pipeline resampled it. `instanceId` is filled in by the
 * engine (the worker knows the job's file index only).
 */
export interface LocalisedImage {
  file: number;
  instanceId?: string;
  /** 0-based frame inside a multi-frame instance, 0 otherwise. */
  frame: number;
  mapPlane: number;
  rowOrigin: number;
  columnOrigin: number;
}

/**
 * The model's localisation map and the geometry that maps it back onto the source images, kept
 * with the finding so that a DICOM Segmentation can be made on the source series' own geometry
 * (the SEG's frames are the source slices, not the model grid). `scale` turns map values into
 * fractions of 1: 1 for a map already within [0, 1], its maximum otherwise.
 */
export interface Localisation {
  /** [planes, rows, columns] of the map (1 plane for a radiograph). */
  mapShape: [number, number, number];
  scale: number;
  /** The model grid (the tensor's rows and columns) and source pixels per grid pixel. */
  grid: { rows: number; columns: number; rowStep: number; columnStep: number };
  images: LocalisedImage[];
}

/**
 * The placement of every source image the map covers, from the pipeline's own geometry: the
 * tensor slice at an image's position is (position − first slice) / slice spacing, and map plane
 * p covers tensor slices [p·D/d, (p+1)·D/d). An image beyond the grid's ends is left out.
 */
export function localisationOf(pre: Pick<PipelineOutput, 'sources' | 'geometry'>, map: Float32Array, mapShape: number[]): Localisation {
  const [planes, rows, columns] = (mapShape.length === 3 ? mapShape : [1, ...mapShape]) as [number, number, number];
  let max = 0;
  let min = 0;
  for (const v of map) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const g = pre.geometry;
  const grid =
    g.kind === 'volume'
      ? { rows: g.grid[1], columns: g.grid[2], rowStep: g.rowStep, columnStep: g.columnStep }
      : { rows: g.size, columns: g.size, rowStep: g.rowStep, columnStep: g.columnStep };
  const images: LocalisedImage[] = [];
  for (const source of pre.sources) {
    let mapPlane = 0;
    if (g.kind === 'volume') {
      const slice = (source.positionMm - g.firstPositionMm) / g.spacingMm[0];
      mapPlane = ((slice + 0.5) * planes) / g.grid[0] - 0.5;
      if (mapPlane < -0.5 || mapPlane > planes - 0.5) continue;
    }
    images.push({ file: source.file, frame: source.frame, mapPlane, rowOrigin: source.rowOrigin, columnOrigin: source.columnOrigin });
  }
  return { mapShape: [planes, rows, columns], scale: max > 1 || min < 0 ? Math.max(max, Number.EPSILON) : 1, grid, images };
}

/**
 * The map on one source image's pixel grid, as fractions of 1 in 0..255 (a FRACTIONAL
 * segmentation's frame; a BINARY one's, cut at half, when the map given is its cells 0 or 1): the same cell-centre mapping the key image uses, bilinear in plane and
 * linear between the two map planes either side of the image.
 */
export function mapOnImage(loc: Localisation, map: Float32Array, image: LocalisedImage, rows: number, columns: number): Uint8Array {
  const [planes, mapRows, mapColumns] = loc.mapShape;
  const planeSize = mapRows * mapColumns;
  const z = Math.min(planes - 1, Math.max(0, image.mapPlane));
  const z0 = Math.floor(z);
  const z1 = Math.min(planes - 1, z0 + 1);
  const fz = z - z0;
  const below = map.subarray(z0 * planeSize, (z0 + 1) * planeSize);
  const above = map.subarray(z1 * planeSize, (z1 + 1) * planeSize);
  const { grid } = loc;
  const out = new Uint8Array(rows * columns);
  const mapX = new Float64Array(columns);
  for (let c = 0; c < columns; c++) mapX[c] = (((c - image.columnOrigin) / grid.columnStep + 0.5) * mapColumns) / grid.columns - 0.5;
  for (let r = 0; r < rows; r++) {
    const mapY = (((r - image.rowOrigin) / grid.rowStep + 0.5) * mapRows) / grid.rows - 0.5;
    for (let c = 0; c < columns; c++) {
      const a = sample(below, mapRows, mapColumns, mapY, mapX[c]!);
      const v = fz > 0 ? a * (1 - fz) + sample(above, mapRows, mapColumns, mapY, mapX[c]!) * fz : a;
      const f = v / loc.scale;
      out[r * columns + c] = f <= 0 ? 0 : f >= 1 ? 255 : Math.round(f * 255);
    }
  }
  return out;
}
