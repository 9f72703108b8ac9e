import ort from 'onnxruntime-node';
import path from 'node:path';
import { VigilError } from '../../core/errors.js';
import type { PackRef } from './protocol.js';
import { sessionProviders, type ExecutionProvider } from '../../core/execution-provider.js';

/** ONNX Runtime sessions of this worker, one per pack file and checksum, created once. */
const sessions = new Map<string, Promise<ort.InferenceSession>>();

let provider: ExecutionProvider = { name: 'cpu' };

/** worker-main sets this process's execution provider once, before any session. */
export function useExecutionProvider(chosen: ExecutionProvider): void {
  provider = chosen;
}

export function sessionFor(pack: PackRef): Promise<ort.InferenceSession> {
  const file = path.join(pack.dir, pack.manifest.model.file);
  const key = `${file}#${pack.manifest.model.sha256}#${pack.threads}`;
  let session = sessions.get(key);
  if (!session) {
    session = ort.InferenceSession.create(file, {
      executionProviders: sessionProviders(provider),
      intraOpNumThreads: pack.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Without ORT's arena a run's activations are given back when it ends: the worker's memory
      // is that of its largest model's run, not the sum of every installed pack's (the arena kept
      // ~90 MB for pe-ctpa after its test vector). Costs the CTPA model ~20 ms per study.
      enableCpuMemArena: false,
      // ORT prints kernel errors to stderr itself; we report them as job errors instead.
      logSeverityLevel: 4,
    }).catch((err: unknown) => {
      sessions.delete(key);
      throw new VigilError('TRIAGE_PACK_INVALID', `ONNX Runtime cannot load ${pack.manifest.model.file}: ${(err as Error).message}`, { cause: err });
    });
    sessions.set(key, session);
  }
  return session;
}

/** Runs the model; any ORT failure becomes TRIAGE_MODEL_FAILED. */
export async function infer(
  session: ort.InferenceSession,
  inputName: string,
  data: Float32Array,
  shape: number[],
): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return await session.run({ [inputName]: new ort.Tensor('float32', data, shape) });
  } catch (err) {
    throw new VigilError('TRIAGE_MODEL_FAILED', `the model failed: ${(err as Error).message.slice(0, 300)}`, { cause: err });
  }
}

/** An output as float32 values, or TRIAGE_MODEL_FAILED when the model did not give it. */
export function outputValues(outputs: ort.InferenceSession.OnnxValueMapType, name: string): { data: Float32Array; dims: number[] } {
  const tensor = outputs[name];
  if (!tensor || !(tensor.data instanceof Float32Array)) throw new VigilError('TRIAGE_MODEL_FAILED', `the model gave no float32 output "${name}"`);
  return { data: tensor.data, dims: [...tensor.dims] };
}

export function activate(values: Float32Array, activation: 'none' | 'sigmoid'): Float32Array {
  if (activation === 'none') return values;
  return values.map((v) => 1 / (1 + Math.exp(-v)));
}
