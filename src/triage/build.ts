import type { Clock } from '../core/clock.js';
import type { TriageConfig } from '../config/sections/triage.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import { TriageEngine } from './engine.js';
import { FindingStore } from './findings.js';
import { JobStore } from './jobs.js';
import type { IndexJobQueue } from '../queue/index-queue.js';
import { ModelRegistry } from './registry.js';
import { WorkerPool } from './worker/pool.js';
import { providerForWorker } from '../core/execution-provider.js';
import { triageMetrics } from './metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import { ModelSiteStore } from './site/model-site-store.js';
import { SeriesStateStore } from '../series/series-state-store.js';

/** Builds the triage part from its config section; src/node.ts starts and stops it. */
export function buildTriage(
  config: TriageConfig,
  deps: { db: Db; index: DicomIndex; files: FileStore; bus: EventBus; log: Logger; clock: Clock; metrics?: Metrics; queue?: IndexJobQueue },
): TriageEngine {
  const { log, clock } = deps;
  const providerFor = providerForWorker(config.executionProvider, (why) =>
    log.warn('triage.executionProvider: cuda asked but not available, the workers run on the CPU (fallbackToCpu)', { why }),
  );
  const pool = new WorkerPool({ size: config.workers, heapMb: config.workerHeapMb, log, providerFor });
  const site = new ModelSiteStore(deps.db, { changes: deps.index.changes, newPackMode: config.newPackMode, clock });
  const registry = new ModelRegistry({ dir: config.modelsDir, threads: config.inferenceThreads, clock }, pool, deps.db, log, site);
  const jobs = new JobStore(deps.db, deps.queue, clock);
  const findings = new FindingStore(deps.db, deps.index.changes, deps.bus, log);
  const observer = deps.metrics ? triageMetrics(deps.metrics, { jobs, registry }) : undefined;
  const states = new SeriesStateStore(deps.db);
  // Version v of a series is still arriving while the series is open with v - 1 versions declared stable.
  const stillArriving = (seriesId: string, seriesVersion: number): boolean => {
    const state = states.get(seriesId);
    return state !== undefined && state.state === 'open' && state.version === seriesVersion - 1;
  };
  return new TriageEngine(config, { index: deps.index, files: deps.files, log, stillArriving, clock }, registry, jobs, findings, pool, observer);
}
