import { z } from 'zod';
import { threadsForMachine } from '../../core/machine-threads.js';
import { cudaUnavailable } from '../../core/execution-provider.js';

export const triageSection = z
  .strictObject({
    /** Model packs, one folder each (models/README.md). A folder without manifest.json is skipped. */
    modelsDir: z.string().min(1).default('./models'),
    /**
     * Worker processes that decode, preprocess and run models; one job each at a time. Chosen for
     * the machine (src/core/machine-threads.ts): one core left to the thread that receives.
     */
    workers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(() => threadsForMachine().workers),
    /** ONNX Runtime intra-op threads per session; chosen so that workers × threads ≤ cores - 1. */
    inferenceThreads: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(() => threadsForMachine().inferenceThreads),
    /**
     * V8 heap of each worker process, MB (--max-old-space-size): a safety net; the per-model bound
     * is the pack's resources.maxMemoryMb. Native memory (ONNX Runtime, codecs) is not bounded by it.
     */
    workerHeapMb: z.number().int().min(128).max(32_768).default(2048),
    /**
     * Where the worker processes' ONNX Runtime sessions run: `cpu`, or `cuda` on `deviceId` (one
     * GPU for every worker) or on a list (worker k on deviceId[k mod n]). CUDA asked on a machine
     * whose onnxruntime-node has no CUDA provider is a configuration error, unless
     * `fallbackToCpu` says to run on the CPU then (with a warning at start).
     */
    executionProvider: z
      .strictObject({
        name: z.enum(['cpu', 'cuda']).default('cpu'),
        deviceId: z.union([z.number().int().min(0).max(63), z.array(z.number().int().min(0).max(63)).min(1).max(64)]).default(0),
        fallbackToCpu: z.boolean().default(false),
      })
      .prefault({})
      .superRefine((provider, ctx) => {
        if (provider.name !== 'cuda' || provider.fallbackToCpu) return;
        const why = cudaUnavailable();
        if (why)
          ctx.addIssue({
            code: 'custom',
            path: ['name'],
            message: `cuda asked, but ${why}; use cpu, or set fallbackToCpu: true to run on the CPU when CUDA is missing`,
          });
      }),
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
