import type { Vec3 } from './dataset.js';

/** One source image the tensor was built from, and where target pixel (0, 0) falls on it. */
export interface SourceRef {
  /** Index of its file in the list given to the pipeline. */
  file: number;
  sopInstanceUid: string;
  /** 0-based frame inside a multi-frame instance, 0 otherwise. */
  frame: number;
  /** Position along the slice normal, mm (volumes); 0 for a radiograph. */
  positionMm: number;
  /** Source column / row coordinate of target column / row 0. */
  columnOrigin: number;
  rowOrigin: number;
}

export type PipelineGeometry =
  | {
      kind: 'volume';
      /** [depth, rows, columns] of the target grid. */
      grid: [number, number, number];
      spacingMm: [number, number, number];
      centre: Vec3;
      rowDirection: Vec3;
      columnDirection: Vec3;
      normal: Vec3;
      firstPositionMm: number;
      sourcePixelSpacing: [number, number];
      /** Source columns / rows per target column / row. */
      columnStep: number;
      rowStep: number;
    }
  | {
      kind: 'radiograph';
      size: number;
      /** Target pixel size, mm (or source pixels when the image has no spacing). */
      spacingMm: number;
      sourcePixelSpacing: [number, number];
      spacingSource: 'PixelSpacing' | 'ImagerPixelSpacing' | 'none';
      inverted: boolean;
      voi: string;
      columnStep: number;
      rowStep: number;
    };

/** What one preprocessing kind gives back. */
export interface PipelineOutput {
  tensor: Float32Array;
  shape: number[];
  /** Sorted source images. */
  sources: SourceRef[];
  /** For each tensor slice (one for a radiograph), the index in `sources` of the nearest image; null in padding. */
  sliceSources: (number | null)[];
  geometry: PipelineGeometry;
  decodeMs: number;
  preprocessMs: number;
}
