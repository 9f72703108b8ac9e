import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Where a worker's ONNX Runtime sessions run: `triage.executionProvider` (config/README.md). */
export type ExecutionProvider = { name: 'cpu' } | { name: 'cuda'; deviceId: number };

/** The provider's options as InferenceSession.create takes them. */
export function sessionProviders(provider: ExecutionProvider): ({ name: 'cpu' } | { name: 'cuda'; deviceId: number })[] {
  return provider.name === 'cuda' ? [{ name: 'cuda', deviceId: provider.deviceId }] : [{ name: 'cpu' }];
}

/**
 * Why ONNX Runtime cannot run on CUDA on this machine, or null when it can try. onnxruntime-node
 * loads its CUDA provider from a library beside its binding, which its install script fetches
 * only on request (ONNXRUNTIME_NODE_INSTALL=cuda12 and a reachable download): without that file
 * every session asking for CUDA fails to load. Read on disk, in the node: the node never loads
 * ONNX Runtime itself (only its worker processes do). A GPU, driver or CUDA/cuDNN mismatch
 * beyond the file shows when the packs are checked at start (the pack is listed unavailable
 * with ORT's words).
 */
export function cudaUnavailable(): string | null {
  let packageDir: string;
  try {
    packageDir = path.dirname(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
  } catch {
    return 'onnxruntime-node is not installed';
  }
  const bindingDir = path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
  if (process.platform !== 'linux' && process.platform !== 'win32') return `onnxruntime-node has no CUDA provider for ${process.platform}`;
  const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!fs.existsSync(path.join(bindingDir, library))) {
    return `onnxruntime-node has no CUDA provider on this machine (${library} is not in ${bindingDir}; install it with ONNXRUNTIME_NODE_INSTALL=cuda12)`;
  }
  return null;
}

/** `triage.executionProvider` as configured. */
export interface ExecutionProviderConfig {
  name: 'cpu' | 'cuda';
  deviceId: number | number[];
  fallbackToCpu: boolean;
}

/**
 * The provider of worker k (0 ≤ k < triage.workers). CUDA missing with fallbackToCpu: every
 * worker on the CPU, and `onFallback` told why (the config check refused it otherwise).
 */
export function providerForWorker(
  config: ExecutionProviderConfig,
  onFallback: (why: string) => void,
  unavailable = cudaUnavailable,
): (worker: number) => ExecutionProvider {
  if (config.name === 'cpu') return () => ({ name: 'cpu' });
  const why = unavailable();
  if (why) {
    onFallback(why);
    return () => ({ name: 'cpu' });
  }
  const devices = Array.isArray(config.deviceId) ? config.deviceId : [config.deviceId];
  return (worker) => ({ name: 'cuda', deviceId: devices[worker % devices.length]! });
}
