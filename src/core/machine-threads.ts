import os from 'node:os';

/** More workers than this only split the same cores thinner; a burst is ordered by the queue instead. */
const MAX_WORKERS = 4;

/**
 * Triage workers and ONNX Runtime intra-op threads for a machine of `cores`: one core stays with
 * the thread that receives (a burst of triage must not slow the scanners' C-STOREs); the rest
 * go to up to four workers, so that one long CT does not hold every result behind it, and each
 * worker's sessions get an equal share of what is left, so that workers × threads never
 * exceeds the spare cores (oversubscribed ORT threads spin against each other). A 2-core machine
 * gets 1 × 1, 4 cores 3 × 1, 8 cores 4 × 1, 16 cores 4 × 3. `triage.workers` and
 * `triage.inferenceThreads` (or VIGIL_TRIAGE_WORKERS, VIGIL_INFERENCE_THREADS) override.
 */
export function threadsForMachine(cores = os.availableParallelism()): { workers: number; inferenceThreads: number } {
  const spare = Math.max(1, cores - 1);
  const workers = Math.min(spare, MAX_WORKERS);
  return { workers, inferenceThreads: Math.max(1, Math.floor(spare / workers)) };
}
