import type { Localisation } from '../../../../triage/localisation.js';

/**
 * The map's cells in the binary segment, as 1 (in) or 0 (out): a cell is in when its value, as a
 * fraction of 1 (the localisation's scale), reaches the finding's operating threshold. Every
 * shipped pack's map is sigmoid(calibrated logits) and its probability sigmoid(max of the same
 * logits) (models/train/nets.py, calibrate_onnx.py), so map and probability are in one space and
 * the map's maximum IS the probability: a positive finding always has a cell in. A map outside
 * [0, 1] (no shipped pack has one: it would not be a sigmoid's) is cut as a fraction of its
 * maximum, the same scale its fractional SEG shows.
 */
export function cellsInSegment(loc: Localisation, map: Float32Array, threshold: number): Float32Array {
  return map.map((v) => (v / loc.scale >= threshold ? 1 : 0));
}

/**
 * A BINARY segmentation's pixel data (PS3.5 8.1.1, Bits Allocated 1): one bit a pixel, the first
 * pixel in the least significant bit, the frames one after another with no padding between them,
 * the whole padded to an even length.
 */
export function packBits(frames: Uint8Array[], frameSize: number): Uint8Array {
  const bits = frameSize * frames.length;
  const bytes = Math.ceil(bits / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  frames.forEach((frame, k) => {
    const offset = k * frameSize;
    for (let i = 0; i < frameSize; i++) if (frame[i]) out[(offset + i) >> 3]! |= 1 << ((offset + i) & 7);
  });
  return out;
}
