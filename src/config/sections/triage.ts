import { z } from 'zod';
import { threadsForMachine } from '../../core/machine-threads.js';

export const triageSection = z
  .strictObject({
    /** Model packs, one folder each (models/README.md). A folder without manifest.json is skipped. */
    modelsDir: z.string().min(1).default('./models'),
    /**
     * Worker threads that decode, preprocess and run models; one job each at a time. Chosen for
     * the machine (src/core/machine-threads.ts): one core left to the thread that receives.
     */
    workers: z.number().int().min(1).max(64).default(() => threadsForMachine().workers),
    /** ONNX Runtime intra-op threads per session; chosen so that workers × threads ≤ cores - 1. */
    inferenceThreads: z.number().int().min(1).max(64).default(() => threadsForMachine().inferenceThreads),
    /** V8 heap of each worker, MB: a safety net; the per-model bound is the pack's resources.maxMemoryMb. */
    workerHeapMb: z.number().int().min(128).max(32_768).default(2048),
    /** Attempts for a job that fails for a passing reason (timeout, crash); bad input fails at once. */
    maxAttempts: z.number().int().min(1).max(20).default(3),
    /** Delay before the second attempt; doubled for each further one. */
    retryDelayMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /** Longest side of a key image PNG, pixels. */
    keyImageMaxSide: z.number().int().min(64).max(4096).default(1024),
    /**
     * The mode of a pack version IT has not decided on yet: live (the shipped packs alert at
     * once) or shadow (a new or retrained pack runs silent until IT promotes it; README.md).
     */
    newPackMode: z.enum(['live', 'shadow']).default('live'),
    /** `vigil calibrate`: the least local evidence a site operating point is proposed from. */
    calibration: z
      .strictObject({
        minPositives: z.number().int().min(1).max(100_000).default(25),
        minNegatives: z.number().int().min(1).max(100_000).default(50),
      })
      .prefault({}),
  })
  .prefault({});

export type TriageConfig = z.infer<typeof triageSection>;
