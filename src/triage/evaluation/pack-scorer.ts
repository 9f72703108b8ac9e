import path from 'node:path';
import ort from 'onnxruntime-node';
import { VigilError } from '../../core/errors.js';
import type { Manifest } from '../manifest.js';
import { readManifest } from '../manifest-file.js';
import { preprocessSeries } from '../pipeline/preprocess.js';

export interface PackScorer {
  manifest: Manifest;
  /** The model's probability for one series (file paths or Part 10 bytes). */
  score(files: readonly (string | Uint8Array)[]): Promise<number>;
  /** The same, with the milliseconds spent in the pipeline and in the model. */
  scoreTimed(files: readonly (string | Uint8Array)[]): Promise<{ score: number; preprocessMs: number; inferenceMs: number; heatmap: Float32Array | null }>;
  close(): Promise<void>;
}

/**
 * Scores series with a model pack exactly as the node does: the same pipeline
 * (`preprocessSeries` with the pack's manifest) and the pack's ONNX file in ONNX Runtime. Offline
 * evaluation runs on the main thread; the node itself runs models in worker processes.
 */
export async function loadPackScorer(packDir: string, threads = 2): Promise<PackScorer> {
  const manifest = readManifest(path.join(packDir, 'manifest.json'));
  const session = await ort.InferenceSession.create(path.join(packDir, manifest.model.file), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 4,
  });
  const out = manifest.outputs.probability;
  const scoreTimed = async (files: readonly (string | Uint8Array)[]) => {
    const t0 = performance.now();
    const pre = await preprocessSeries(files, manifest);
    const t1 = performance.now();
    const result = await session.run({ [manifest.input.name]: new ort.Tensor('float32', pre.tensor, pre.shape) });
    const t2 = performance.now();
    const value = result[out.name]?.data;
    if (!(value instanceof Float32Array) || value.length !== 1) {
      throw new VigilError('TRIAGE_MODEL_FAILED', `the model gave no single float32 "${out.name}"`);
    }
    const v = value[0]!;
    const map = result[manifest.outputs.localisation.name]?.data;
    return {
      score: out.activation === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v,
      preprocessMs: t1 - t0,
      inferenceMs: t2 - t1,
      heatmap: map instanceof Float32Array ? map : null,
    };
  };
  return {
    manifest,
    score: async (files) => (await scoreTimed(files)).score,
    scoreTimed,
    close: () => session.release(),
  };
}
