import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../src/clock.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { eventually, settle } from '../helpers/eventually.js';
import { copyPacks, ingest, settled } from '../helpers/triage.js';

/** 4 slices of 32 × 32; `bright` puts a 200 HU square on one slice (the fragile model then runs past its bound). */
function headCt(dir: string, seed: string, bright?: number): string[] {
  return writeSlices(
    path.join(dir, seed),
    { seed, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 },
    Array.from({ length: 4 }, (_, k) => ({
      position: [0, 0, 5 * k] as [number, number, number],
      value: (r: number, c: number) => (k === bright && r >= 8 && r < 16 && c >= 8 && c < 16 ? 1224 : 1064),
    })),
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
    const triage = { modelsDir: copyPacks(path.join(work, 'models'), ['test-volume', 'test-fragile']), workers: 1, maxAttempts: 2, retryDelayMs: RETRY_DELAY_MS };
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
    const seriesId = await ingest(node, headCt(work, 'slow', 1), 'slow');
    const { job } = node.triage.enqueue({ seriesId, modelId: 'test-fragile' });
    // The first attempt runs past the model's time bound (a passing cause): queued again, after the delay.
    const failedAt = clock.now();
    const waiting = await eventually(() => {
      const j = node.triage.jobs.get(job.id)!;
      return j.state === 'queued' && j.attempts === 1 && j;
    }, 'the first attempt to fail');
    expect(waiting.error!.code).to.equal('TRIAGE_TIMEOUT');
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
