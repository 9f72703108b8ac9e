import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { copyPacks, seriesIdOf, settled } from '../helpers/triage.js';
import { recordStable, store } from './helpers.js';

/**
 * A scanner that pauses longer than its learned quiet time: the series is triaged on what came
 * first, the rest reopens it, triage runs again, and the unchanged result alerts nobody twice.
 */
describe('series/tracker: a pause longer than learned, end to end through triage and alerts', function () {
  this.timeout(120_000);
  let node: TestNode;
  let clock: ManualClock;
  let work: string;

  before(async () => {
    work = makeTempDir();
    clock = new ManualClock();
    node = await startTestNode(
      {
        series: { idleSeconds: 30, learned: { minGaps: 4, floorSeconds: 1, factor: 2 } },
        triage: { modelsDir: copyPacks(path.join(work, 'models'), ['test-volume']), workers: 1 },
        alerts: { destinations: [{ id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: 1 }] },
      },
      { clock },
    );
    // What a routing rule does with every version of a complete series.
    node.bus.on('series-stable', (e) => void node.triage.enqueue({ seriesId: e.seriesId, seriesVersion: e.version, modelId: 'test-volume', priority: 'stat' }));
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  /** 32² slices at 5 mm without count tags; a 200 HU square on slice 2 where the test model looks. */
  function headCt(seed: string, slices: number): string[] {
    return writeSlices(
      path.join(work, seed),
      { seed, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 },
      Array.from({ length: slices }, (_, k) => ({
        position: [0, 0, 5 * k] as [number, number, number],
        value: (r: number, c: number) => (k === 2 && r >= 8 && r < 16 && c >= 8 && c < 16 ? 1224 : 1064),
      })),
    );
  }

  async function push(files: string[], gapMs: number): Promise<void> {
    for (const [i, file] of files.entries()) {
      if (i > 0) clock.advance(gapMs);
      await store(node, [file]);
    }
  }

  const jobsOf = (seriesId: string) => node.triage.jobs.list({ seriesId, limit: 10, offset: 0 }).sort((a, b) => a.seriesVersion - b.seriesVersion);

  it('triages both versions and keeps one alert for the unchanged result', async () => {
    const events = recordStable(node);
    await push(headCt('teach', 5), 800);
    clock.advance(30_000);
    for (const job of jobsOf(seriesIdOf(node, 'teach'))) await settled(node, job.id);

    const files = headCt('paused', 6);
    await push(files.slice(0, 4), 800);
    clock.advance(1_600);
    const seriesId = seriesIdOf(node, 'paused');
    expect(events.filter((e) => e.seriesId === seriesId).map((e) => [e.reason, e.version, e.instanceCount])).to.deep.equal([['quiet', 1, 4]]);
    const [first] = jobsOf(seriesId);
    expect((await settled(node, first!.id)).state).to.equal('done');

    clock.advance(3_000); // the scanner resumes 4.6 s after its last instance
    await push(files.slice(4), 800);
    clock.advance(30_000);
    expect(events.filter((e) => e.seriesId === seriesId).map((e) => [e.reason, e.version, e.instanceCount])).to.deep.equal([
      ['quiet', 1, 4],
      ['quiet', 2, 6],
    ]);
    const jobs = jobsOf(seriesId);
    expect(jobs.map((j) => j.seriesVersion)).to.deep.equal([1, 2]);
    const done = await Promise.all(jobs.map((job) => settled(node, job.id)));
    expect(done.map((j) => j.state)).to.deep.equal(['done', 'done']);

    const findings = done.map((j) => node.triage.findings.get(j.findingId!)!);
    expect(findings.map((f) => f.positive)).to.deep.equal([true, true]);
    const alerts = node.alerts.alerts.list({ limit: 10 }).filter((a) => a.studyId === findings[0]!.studyId);
    expect(alerts.map((a) => [a.state, a.findingId])).to.deep.equal([['open', findings[0]!.id]]);
  });
});
