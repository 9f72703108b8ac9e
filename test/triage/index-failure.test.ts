import path from 'node:path';
import { expect } from 'chai';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { writeSlices, type SliceSpec } from '../helpers/pixel-fixtures.js';
import { ingest, TEST_PACKS } from '../helpers/triage.js';
import { eventually } from '../helpers/eventually.js';
import { requireTool } from '../helpers/tools.js';
import { asSqlite } from '../helpers/sqlite.js';

/**
 * A job whose result the index cannot record (a full disk refuses the write, as SQLite's
 * query_only does here): the process must not end on an unhandled rejection, and the job runs
 * again once the index takes writes.
 */
describe('triage/engine: when the index cannot record a result', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  let mochaListeners: NodeJS.UnhandledRejectionListener[] = [];

  beforeEach(async () => {
    rejections.length = 0;
    mochaListeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onRejection);
    work = makeTempDir();
    node = await startTestNode({ triage: { modelsDir: TEST_PACKS, workers: 1, maxAttempts: 3, retryDelayMs: 0 } });
  });
  afterEach(async () => {
    asSqlite(node.db).pragma('query_only = OFF');
    await node.dispose();
    removeDir(work);
    process.removeListener('unhandledRejection', onRejection);
    for (const l of mochaListeners) process.on('unhandledRejection', l);
  });

  it('logs, keeps the process, and runs the job again once the index takes writes', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const slices: SliceSpec[] = Array.from({ length: 4 }, (_, k) => ({ position: [0, 0, 5 * k], value: () => 1064 }));
    const files = writeSlices(path.join(work, 'ct'), { seed: 'full', rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 }, slices);
    const seriesId = await ingest(node, files, 'full');
    const { job } = node.triage.enqueue({ seriesId, modelId: 'test-volume' });
    asSqlite(node.db).pragma('query_only = ON'); // claimed already; its result cannot be written
    await eventually(() => /could not record/.test(node.logs.text()), 'the failure is logged');
    expect(rejections).to.deep.equal([]);
    asSqlite(node.db).pragma('query_only = OFF');
    const done = await eventually(
      () => (node.triage.jobs.get(job.id)?.state === 'done' ? node.triage.jobs.get(job.id) : undefined),
      'the job ran again and its result is stored',
      30_000,
    );
    expect(done.findingId).to.be.a('string');
  });
});
