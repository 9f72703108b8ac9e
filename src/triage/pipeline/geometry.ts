import { VigilError } from '../../core/errors.js';
import type { SourceImage, Vec3 } from './dataset.js';

const ORIENTATION_TOLERANCE = 1e-3;
const SPACING_TOLERANCE_MM = 1e-3;
const SAME_POSITION_MM = 0.01;

/** The images of a series as one stack: sorted along the slice normal, checked for consistency. */
export interface Stack {
  images: SourceImage[];
  /** d = position · normal of each image, ascending, mm. */
  positions: Float64Array;
  rowDir: Vec3;
  colDir: Vec3;
  normal: Vec3;
  rows: number;
  columns: number;
  /** [between rows, between columns], mm. */
  pixelSpacing: [number, number];
}

/**
 * Sorts images by their position along the slice normal (never by Instance Number) and refuses
 * what is not one volume: mixed orientations or sizes, two images at one position, or a gap.
 */
export function buildStack(images: SourceImage[], maxGapFactor: number): Stack {
  if (images.length < 2) throw new VigilError('TRIAGE_UNEXPECTED_IMAGE_COUNT', `a volume needs at least 2 images, the series has ${images.length}`);
  const first = images[0]!;
  if (!first.orientation || !first.pixelSpacing) throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', 'image orientation or pixel spacing missing');
  const [rowDir, colDir] = first.orientation;
  for (const image of images) {
    if (!image.position || !image.orientation || !image.pixelSpacing) {
      throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', `image ${image.file}/${image.frame} has no position, orientation or pixel spacing`);
    }
    const orientationDiff = Math.max(
      ...image.orientation[0].map((v, i) => Math.abs(v - rowDir[i]!)),
      ...image.orientation[1].map((v, i) => Math.abs(v - colDir[i]!)),
    );
    if (orientationDiff > ORIENTATION_TOLERANCE) throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', 'images have different orientations');
    if (image.format.rows !== first.format.rows || image.format.columns !== first.format.columns) {
      throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', 'images have different sizes');
    }
    if (
      Math.abs(image.pixelSpacing[0] - first.pixelSpacing[0]) > SPACING_TOLERANCE_MM ||
      Math.abs(image.pixelSpacing[1] - first.pixelSpacing[1]) > SPACING_TOLERANCE_MM
    ) {
      throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', 'images have different pixel spacings');
    }
  }
  const normal = normalise(cross(rowDir, colDir));
  const sorted = images.map((image) => ({ image, d: dot(image.position!, normal) })).sort((a, b) => a.d - b.d);
  const positions = Float64Array.from(sorted, (s) => s.d);
  const gaps: number[] = [];
  for (let k = 1; k < positions.length; k++) {
    const gap = positions[k]! - positions[k - 1]!;
    if (gap < SAME_POSITION_MM)
      throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', `two images at the same position (${positions[k]!.toFixed(2)} mm along the normal)`);
    gaps.push(gap);
  }
  for (let k = 0; k < gaps.length; k++) {
    const neighbours = [gaps[k - 1], gaps[k + 1]].filter((g): g is number => g !== undefined);
    if (neighbours.length > 0 && gaps[k]! > maxGapFactor * Math.min(...neighbours)) {
      throw new VigilError(
        'TRIAGE_SERIES_GAP',
        `${gaps[k]!.toFixed(2)} mm between slices ${k} and ${k + 1}, more than ${maxGapFactor} times the spacing around it`,
        {
          extra: { gapMm: round(gaps[k]!), afterSlice: k },
        },
      );
    }
  }
  return {
    images: sorted.map((s) => s.image),
    positions,
    rowDir,
    colDir,
    normal,
    rows: first.format.rows,
    columns: first.format.columns,
    pixelSpacing: first.pixelSpacing,
  };
}

/** The target grid in the stack's own directions, and where each image sits on it. */
export interface VolumeGrid {
  depth: number;
  rows: number;
  columns: number;
  /** [slice, row, column], mm. */
  spacing: [number, number, number];
  /** d of target slice 0, mm. */
  firstPosition: number;
  /** Patient coordinates of the grid's centre, mm. */
  centre: Vec3;
  /** Per sorted image: source column / row coordinate of target column / row 0 (gantry tilt shifts these). */
  columnOrigin: Float64Array;
  rowOrigin: Float64Array;
  /** Source columns / rows per target column / row. */
  columnStep: number;
  rowStep: number;
}

export function volumeGrid(
  stack: Stack,
  grid: { depth: number | null; rows: number; columns: number },
  spacing: [number, number, number],
  maxDepth: number,
): VolumeGrid {
  const [sz, sy, sx] = spacing;
  const [rowSpacing, colSpacing] = stack.pixelSpacing;
  const n = stack.images.length;
  const dFirst = stack.positions[0]!;
  const dLast = stack.positions[n - 1]!;
  const depth = grid.depth ?? Math.floor((dLast - dFirst) / sz + 1e-6) + 1;
  if (depth > maxDepth) throw new VigilError('TRIAGE_INPUT_TOO_LARGE', `the series covers ${depth} slices at ${sz} mm, the model takes at most ${maxDepth}`);
  // In-plane centre: mean of the image centres, projected onto the plane; along n: mid-series.
  const mean: Vec3 = [0, 0, 0];
  for (const image of stack.images) {
    const p = image.position!;
    for (let a = 0; a < 3; a++) {
      mean[a]! += (p[a]! + ((stack.columns - 1) / 2) * colSpacing * stack.rowDir[a]! + ((stack.rows - 1) / 2) * rowSpacing * stack.colDir[a]!) / n;
    }
  }
  const dCentre = (dFirst + dLast) / 2;
  const shift = dCentre - dot(mean, stack.normal);
  const centre: Vec3 = [mean[0] + shift * stack.normal[0], mean[1] + shift * stack.normal[1], mean[2] + shift * stack.normal[2]];
  const columnOrigin = new Float64Array(n);
  const rowOrigin = new Float64Array(n);
  stack.images.forEach((image, k) => {
    // Target (row 0, column 0) projected along n onto this image's plane, in its pixel units.
    const rel: Vec3 = [centre[0] - image.position![0], centre[1] - image.position![1], centre[2] - image.position![2]];
    columnOrigin[k] = (dot(rel, stack.rowDir) - ((grid.columns - 1) / 2) * sx) / colSpacing;
    rowOrigin[k] = (dot(rel, stack.colDir) - ((grid.rows - 1) / 2) * sy) / rowSpacing;
  });
  return {
    depth,
    rows: grid.rows,
    columns: grid.columns,
    spacing,
    firstPosition: dCentre - ((depth - 1) / 2) * sz,
    centre,
    columnOrigin,
    rowOrigin,
    columnStep: sx / colSpacing,
    rowStep: sy / rowSpacing,
  };
}

/**
 * Weights of the sorted images for one target position d along the normal: a triangle whose
 * half-width, for each image, is max(target spacing, that image's gap to its neighbour toward d),
 * normalised. Upsampling is thus exact linear interpolation between the two images around d,
 * even when spacing is uneven; downsampling averages. Empty outside the stack (more than half
 * the edge gap beyond the first or last image).
 */
export function sliceWeights(positions: Float64Array, d: number, targetSpacing: number): { index: number; weight: number }[] {
  const n = positions.length;
  const firstGap = positions[1]! - positions[0]!;
  const lastGap = positions[n - 1]! - positions[n - 2]!;
  if (d < positions[0]! - firstGap / 2 || d > positions[n - 1]! + lastGap / 2) return [];
  const out: { index: number; weight: number }[] = [];
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const p = positions[k]!;
    const gap = p <= d ? (k < n - 1 ? positions[k + 1]! - p : lastGap) : k > 0 ? p - positions[k - 1]! : firstGap;
    const w = 1 - Math.abs(p - d) / Math.max(targetSpacing, gap);
    if (w > 0) {
      out.push({ index: k, weight: w });
      sum += w;
    }
  }
  for (const o of out) o.weight /= sum;
  return out;
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function normalise(v: Vec3): Vec3 {
  const len = Math.hypot(...v);
  if (len < 0.5) throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', 'image orientation rows and columns are parallel');
  return [v[0] / len, v[1] / len, v[2] / len];
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
