import fs from 'node:fs';
import { VigilError } from '../../core/errors.js';
import type { Manifest } from '../manifest.js';
import { isNative, readImages, type SourceImage } from './dataset.js';
import { initCodecs } from './decode.js';
import { preprocessRadiograph } from './radiograph.js';
import { preprocessVolume } from './volume.js';
import type { PipelineOutput } from './types.js';

export interface PreprocessResult extends PipelineOutput {
  /** Read and parse, then frame decoding, then everything else: milliseconds. */
  timings: { readMs: number; decodeMs: number; preprocessMs: number };
}

/**
 * The pixel pipeline as a pure library: the files of one series (paths or Part 10 bytes, in any
 * order) to the tensor `manifest.input` declares, with the geometry and which source image each
 * tensor slice came from. Used by the triage workers, by `vigil triage preprocess` and by
 * training. Throws VigilError with a TRIAGE_* code for a series the model cannot take.
 */
export async function preprocessSeries(
  files: readonly (string | Uint8Array)[],
  manifest: Pick<Manifest, 'input' | 'modality'>,
  limits: { maxBytes?: number } = {},
): Promise<PreprocessResult> {
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  const images: SourceImage[] = [];
  let bytesRead = 0;
  files.forEach((file, index) => {
    const bytes = typeof file === 'string' ? fs.readFileSync(file) : file;
    bytesRead += bytes.byteLength;
    if (bytesRead > maxBytes) throw new VigilError('TRIAGE_MEMORY_LIMIT', `the series files exceed the model's memory bound of ${mb(maxBytes)} MB`);
    images.push(...readImages(bytes, index));
  });
  const readMs = performance.now() - t0;
  if (images.some((image) => !isNative(image.format.transferSyntaxUid))) await initCodecs();
  const modalities = new Set(images.map((image) => image.modality));
  const foreign = [...modalities].filter((m) => !manifest.modality.includes(m));
  if (foreign.length > 0) {
    throw new VigilError('TRIAGE_MODALITY_MISMATCH', `series modality ${foreign.join(', ') || '(none)'}, the model takes ${manifest.modality.join(', ')}`);
  }
  if (images.length === 0) throw new VigilError('TRIAGE_UNEXPECTED_IMAGE_COUNT', 'the series has no image with pixel data');
  const input = manifest.input;
  let out: PipelineOutput;
  switch (input.kind) {
    case 'volume':
      out = preprocessVolume(images, input, maxBytes - bytesRead);
      break;
    case 'radiograph':
      out = preprocessRadiograph(images, input);
      break;
    default:
      return input satisfies never;
  }
  return { ...out, timings: { readMs, decodeMs: out.decodeMs, preprocessMs: out.preprocessMs } };
}

function mb(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
