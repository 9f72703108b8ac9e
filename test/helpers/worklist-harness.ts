import { ManualClock } from '../../src/core/clock.js';
import { worklistSection, type WorklistConfig } from '../../src/config/sections/worklist.js';
import { EventBus } from '../../src/events/bus.js';
import { silentLogger } from '../../src/log/logger.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { indexPath, openDatabase, type Db } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';
import type { z } from 'zod';
import { worklistMigrations } from '../../src/worklist/migrations.js';
import { WorklistPart, type WorklistDeps } from '../../src/worklist/worklist.js';
import { makeTempDir, removeDir } from './tmp.js';

export type WorklistConfigInput = z.input<typeof worklistSection>;

export interface WorklistHarness {
  dir: string;
  db: Db;
  index: DicomIndex;
  clock: ManualClock;
  metrics: Metrics;
  part: WorklistPart;
  config: WorklistConfig;
  dispose(): Promise<void>;
}

/**
 * The worklist part on a fresh index, without the rest of the node (not started: the order
 * listener and the nightly job stay off unless a test starts them). Studies come from
 * seedStudy (test/helpers/findings.ts) on `index`.
 */
export function worklistHarness(config: WorklistConfigInput = {}, opts: Partial<Pick<WorklistDeps, 'modelsDir' | 'onDrift'>> = {}): WorklistHarness {
  const dir = makeTempDir();
  const db = openDatabase(indexPath(dir));
  migrate(db, [storeMigrations, worklistMigrations]);
  const index = new DicomIndex(db);
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 12));
  const metrics = new Metrics();
  const parsed = worklistSection.parse(config);
  const log = silentLogger();
  const part = new WorklistPart({
    config: parsed,
    db,
    index,
    bus: new EventBus(log),
    log,
    clock,
    metrics,
    modelsDir: opts.modelsDir ?? dir,
    onDrift: opts.onDrift,
  });
  return {
    dir,
    db,
    index,
    clock,
    metrics,
    part,
    config: parsed,
    async dispose() {
      await part.stop();
      db.close();
      removeDir(dir);
    },
  };
}
