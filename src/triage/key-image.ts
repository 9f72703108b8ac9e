import type { StoredPixels } from './pipeline/decode.js';
import { encodePng } from './png.js';

/** A localisation map drawn over its key image: the source image as the radiologist sees it. */
export interface KeyImageInput {
  pixels: StoredPixels;
  rows: number;
  columns: number;
  rescale: { slope: number; intercept: number };
  /** Display window on modality values; null: the image's own range. */
  window: { center: number; width: number } | null;
  /** MONOCHROME1 radiographs show inverted. */
  invert: boolean;
  /** One plane of the map (rows × columns, row-major) and the largest value of the whole map. */
  map: Float32Array;
  mapRows: number;
  mapColumns: number;
  mapMax: number;
  /** Where the model grid sits on this image (from the pipeline): source coordinate of grid pixel 0 and the step. */
  columnOrigin: number;
  rowOrigin: number;
  columnStep: number;
  rowStep: number;
  gridRows: number;
  gridColumns: number;
  maxSide: number;
}

/** Map values below this share of the map's maximum are not drawn. */
const HEAT_FLOOR = 0.3;
const HEAT_OPACITY = 0.55;

export function renderKeyImage(input: KeyImageInput): { png: Buffer; width: number; height: number } {
  const { rows, columns, pixels, rescale } = input;
  const scale = Math.min(1, input.maxSide / Math.max(rows, columns));
  const width = Math.max(1, Math.round(columns * scale));
  const height = Math.max(1, Math.round(rows * scale));
  const { low, span } = displayRange(input);
  const rgb = new Uint8Array(width * height * 3);
  const mapMax = input.mapMax > 0 ? input.mapMax : 1;
  for (let y = 0; y < height; y++) {
    const r = Math.min(rows - 1, Math.floor((y + 0.5) / scale));
    // Source row → model grid row → map row (cell centres), once per output row.
    const gridRow = (r - input.rowOrigin) / input.rowStep;
    const mapY = ((gridRow + 0.5) * input.mapRows) / input.gridRows - 0.5;
    for (let x = 0; x < width; x++) {
      const c = Math.min(columns - 1, Math.floor((x + 0.5) / scale));
      const v = pixels[r * columns + c]! * rescale.slope + rescale.intercept;
      let g = (v - low) / span;
      g = g < 0 ? 0 : g > 1 ? 1 : g;
      if (input.invert) g = 1 - g;
      const grey = g * 255;
      const gridColumn = (c - input.columnOrigin) / input.columnStep;
      const mapX = ((gridColumn + 0.5) * input.mapColumns) / input.gridColumns - 0.5;
      const heat = sample(input.map, input.mapRows, input.mapColumns, mapY, mapX) / mapMax;
      const o = (y * width + x) * 3;
      if (heat >= HEAT_FLOOR) {
        const a = HEAT_OPACITY * Math.min(1, heat);
        rgb[o] = Math.round((1 - a) * grey + a * 255);
        rgb[o + 1] = Math.round((1 - a) * grey + a * 255 * Math.min(1, heat));
        rgb[o + 2] = Math.round((1 - a) * grey);
      } else {
        rgb[o] = rgb[o + 1] = rgb[o + 2] = Math.round(grey);
      }
    }
  }
  return { png: encodePng(width, height, rgb, 4), width, height };
}

function displayRange(input: KeyImageInput): { low: number; span: number } {
  if (input.window) return { low: input.window.center - input.window.width / 2, span: input.window.width };
  let min = Infinity;
  let max = -Infinity;
  const { pixels } = input;
  for (let i = 0; i < pixels.length; i += 7) {
    const v = pixels[i]! * input.rescale.slope + input.rescale.intercept;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { low: min, span: max > min ? max - min : 1 };
}

/** Bilinear sample with clamped edges; 0 outside the map by more than half a cell. */
export function sample(map: Float32Array, rows: number, columns: number, y: number, x: number): number {
  if (y < -0.5 || x < -0.5 || y > rows - 0.5 || x > columns - 0.5) return 0;
  const yc = Math.min(rows - 1, Math.max(0, y));
  const xc = Math.min(columns - 1, Math.max(0, x));
  const y0 = Math.floor(yc);
  const x0 = Math.floor(xc);
  const y1 = Math.min(rows - 1, y0 + 1);
  const x1 = Math.min(columns - 1, x0 + 1);
  const fy = yc - y0;
  const fx = xc - x0;
  const top = map[y0 * columns + x0]! * (1 - fx) + map[y0 * columns + x1]! * fx;
  const bottom = map[y1 * columns + x0]! * (1 - fx) + map[y1 * columns + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}
