import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { eventually, settle } from '../helpers/eventually.js';
import { copyPacks, ingest, settled } from '../helpers/triage.js';

/** 4 slices of 32 × 32 at 5 mm, 40 HU. */
function headCt(dir: string, seed: string): string[] {
  return writeSlices(
    path.join(dir, seed),
    { seed, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 },
    Array.from({ length: 4 }, (_, k) => ({ position: [0, 0, 5 * k] as [number, number, number], value: () => 1064 })),
  );
}

/**
 * Triage keeps the node's time: jobs, findings, retry delays and the wake-up that ends a retry
 * delay all follow the injected Clock, so a ManualClock decides when a failed job runs again.
 */
describe('triage/engine: on the injected clock', function () {
  this.timeout(60_000);
  const RETRY_DELAY_MS = 60_000;
  let node: TestNode;
  let clock: ManualClock;
  let work: string;

  before(async () => {
    work = makeTempDir();
    clock = new ManualClock();
    const triage = {
      modelsDir: copyPacks(path.join(work, 'models'), ['test-volume']),
      workers: 1,
      maxAttempts: 2,
      retryDelayMs: RETRY_DELAY_MS,
    };
    node = await startTestNode({ triage }, { clock });
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('stamps jobs and findings with the clock', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'stamped'), 'stamped');
    const queuedAt = clock.now();
    const { job } = node.triage.enqueue({ seriesId, modelId: 'test-volume' });
    expect(job.createdAt).to.equal(queuedAt);
    const done = await settled(node, job.id);
    expect(done.state).to.equal('done');
    const finding = node.triage.findings.get(done.findingId!)!;
    expect(finding.createdAt).to.equal(queuedAt);
  });

  it('runs a failed job again only when the clock reaches its retry delay', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'lost'), 'lost');
    // A stored file gone from the disk: the job fails with a cause that may pass, so it is queued again, after the delay.
    const [lost] = node.index.instancesUnder('series', seriesId);
    fs.rmSync(node.files.absolutePath(lost!.filePath));
    const { job } = node.triage.enqueue({ seriesId, modelId: 'test-volume' });
    const failedAt = clock.now();
    const waiting = await eventually(() => {
      const j = node.triage.jobs.get(job.id)!;
      return j.state === 'queued' && j.attempts === 1 && j;
    }, 'the first attempt to fail');
    expect(waiting.error, 'the failure is on the job').to.not.equal(null);
    expect(waiting.availableAt).to.equal(failedAt + RETRY_DELAY_MS);
    clock.advance(RETRY_DELAY_MS - 1_000);
    await settle();
    expect(node.triage.jobs.get(job.id)).to.deep.include({ state: 'queued', attempts: 1 });
    // The engine's wake-up is a timer on the same clock: reaching the delay runs the second attempt.
    clock.advance(1_000 + 5);
    const dead = await settled(node, job.id);
    expect(dead).to.deep.include({ state: 'dead', attempts: 2 });
  });
});
