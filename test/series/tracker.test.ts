import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { apiAs } from '../helpers/api.js';
import { recordStable, store, trackerChanges } from './helpers.js';

describe('series/tracker: count tags and the idle window', function () {
  let node: TestNode;
  let clock: ManualClock;
  let work: string;

  beforeEach(async () => {
    clock = new ManualClock();
    node = await startTestNode({ series: { idleSeconds: 30, idleSecondsByModality: { MR: 5 } } }, { clock });
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('declares a series complete by its count tags as its last instance arrives', async () => {
    const events = recordStable(node);
    const files = writeSeries(work, { slices: 4 });
    await store(node, files.slice(0, 3));
    expect(events).to.have.length(0);
    await store(node, files.slice(3));
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ reason: 'counts', version: 1, instanceCount: 4, runTriage: true });
    expect(events[0]!.seriesId).to.equal(node.index.listIds('series', 0, 1)[0]);
    expect(trackerChanges(node)).to.deep.equal([['stable-series', { version: 1, reason: 'counts', instanceCount: 4 }]]);
    clock.advance(3_600_000);
    expect(events, 'the idle window of a stable series is over').to.have.length(1);
  });

  it("records an arrival in the instance's own transaction and hands series-stable over after its commit", async () => {
    const seen: { inTransaction: boolean; instances: number }[] = [];
    node.bus.on(
      'series-stable',
      (e) => void seen.push({ inTransaction: node.db.inTransaction, instances: node.index.instancesUnder('series', e.seriesId).length }),
    );
    node.bus.on('instance-stored', () => {
      throw new Error('a failing listener');
    });
    await store(node, writeSeries(work, { slices: 3 }));
    expect(seen, 'after the commit, with every instance indexed').to.deep.equal([{ inTransaction: false, instances: 3 }]);
    expect(node.index.listIds('instances', 0, 10), 'a listener that throws undoes nothing').to.have.length(3);
    const open = node.db.prepare('SELECT count(*) AS n FROM series_state').get() as { n: number };
    expect(open.n).to.equal(1);
  });

  it('does not trust counts that a gap in slice positions contradicts, and waits for the idle window', async () => {
    const events = recordStable(node);
    await store(node, writeSeries(work, { slices: 3, positions: [0, 5, 15] }));
    expect(events).to.have.length(0);
    clock.advance(29_999);
    expect(events).to.have.length(0);
    clock.advance(1);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle']);
  });

  it('says so when the idle window ends a series short of the images its count tags announce', async () => {
    const events = recordStable(node);
    await store(node, writeSeries(work, { slices: 4 }).slice(0, 3)); // the push is cut short: 3 of 4
    clock.advance(30_000);
    expect(events.map((e) => [e.reason, e.instanceCount])).to.deep.equal([['idle', 3]]);
    expect(trackerChanges(node)).to.deep.equal([['stable-series', { version: 1, reason: 'idle', instanceCount: 3, imagesExpected: 4 }]]);
    const warning = trackerWarnings(node)[0];
    expect(warning).to.include({ images: 3, imagesExpected: 4, version: 1 });
    expect(warning!.message).to.match(/fewer images than its count tags announce/);
  });

  it('adds nothing when the idle window ends a series without count tags', async () => {
    await store(node, writeSeries(work, { slices: 2, imagesInAcquisition: null }));
    clock.advance(30_000);
    expect(trackerChanges(node)).to.deep.equal([['stable-series', { version: 1, reason: 'idle', instanceCount: 2 }]]);
    expect(trackerWarnings(node)).to.deep.equal([]);
  });

  it('does not trust counts when a slice position repeats', async () => {
    const events = recordStable(node);
    await store(node, writeSeries(work, { slices: 3, positions: [0, 5, 5] }));
    expect(events).to.have.length(0);
    clock.advance(30_000);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle']);
  });

  it('falls back to the idle window of the modality without count tags', async () => {
    const events = recordStable(node);
    await store(node, writeSeries(work, { slices: 2, modality: 'MR', imagesInAcquisition: null }));
    clock.advance(4_999);
    expect(events).to.have.length(0);
    clock.advance(1);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ reason: 'idle', version: 1, instanceCount: 2, modality: 'MR' });
  });

  it('restarts the idle window with each arrival', async () => {
    const events = recordStable(node);
    const files = writeSeries(work, { slices: 2, imagesInAcquisition: null });
    await store(node, files.slice(0, 1));
    clock.advance(20_000);
    await store(node, files.slice(1));
    clock.advance(20_000);
    expect(events).to.have.length(0);
    clock.advance(10_000);
    expect(events).to.have.length(1);
  });

  it('reopens a stable series on a late instance and emits the next version once', async () => {
    const events = recordStable(node);
    const files = writeSeries(work, { slices: 3 });
    await store(node, files.slice(0, 2));
    await store(node, writeSeries(`${work}/late`, { slices: 3, only: [2], imagesInAcquisition: null }));
    clock.advance(30_000);
    expect(events.map((e) => [e.version, e.reason])).to.deep.equal([[1, 'idle']]);

    await store(node, writeSeries(`${work}/later`, { slices: 4, only: [3], imagesInAcquisition: null }));
    expect(node.series.stateOf(events[0]!.seriesId)).to.include({ state: 'open', version: 1 });
    clock.advance(30_000);
    clock.advance(30_000);
    expect(events.map((e) => [e.version, e.reason, e.instanceCount, e.runTriage])).to.deep.equal([
      [1, 'idle', 3, true],
      [2, 'idle', 4, true],
    ]);
    expect(trackerChanges(node).map(([type, data]) => [type, data?.version])).to.deep.equal([
      ['stable-series', 1],
      ['reopened-series', 1],
      ['stable-series', 2],
    ]);
  });

  it('ignores a re-sent instance: no reopen, no new version', async () => {
    const events = recordStable(node);
    const files = writeSeries(work, { slices: 2 });
    await store(node, files);
    await store(node, files);
    clock.advance(60_000);
    expect(events).to.have.length(1);
    expect(trackerChanges(node)).to.have.length(1);
  });

  it('shows IsStable and how in the series view', async () => {
    await store(node, writeSeries(work, { slices: 2 }));
    const seriesId = node.index.listIds('series', 0, 1)[0]!;
    const api = await apiAs(node, 'radiologist');
    const res = await api.get(`/series/${seriesId}`).expect(200);
    expect(res.body).to.deep.include({ IsStable: true });
    expect(res.body.Stability).to.include({ State: 'stable', Version: 1, Reason: 'counts' });
  });
});

describe('series/tracker: re-running triage on reopen is a config choice', () => {
  it('marks the second version runTriage=false when rerunTriageOnReopen is off', async () => {
    const clock = new ManualClock();
    const node = await startTestNode({ series: { rerunTriageOnReopen: false } }, { clock });
    const work = makeTempDir();
    try {
      const events = recordStable(node);
      await store(node, writeSeries(work, { slices: 2 }));
      await store(node, writeSeries(`${work}/late`, { slices: 3, only: [2], imagesInAcquisition: null }));
      clock.advance(30_000);
      expect(events.map((e) => [e.version, e.runTriage])).to.deep.equal([
        [1, true],
        [2, false],
      ]);
    } finally {
      await node.dispose();
      removeDir(work);
    }
  });
});

/** The log's warnings but the start's own (a test node starts without an API token, and says so). */
function trackerWarnings(node: TestNode): Record<string, unknown>[] {
  return node.logs.lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.level === 'warn' && !String(r.message).startsWith('no live API token'));
}
