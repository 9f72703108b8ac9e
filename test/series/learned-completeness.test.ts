import fs from 'node:fs';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { ManualClock } from '../../src/core/clock.js';
import { OWN_RESULTS_AE_TITLE } from '../../src/store/own-results.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { writeRadiograph } from '../helpers/pixel-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { apiAs } from '../helpers/api.js';
import { recordStable, store, trackerChanges } from './helpers.js';

/**
 * Completeness learned per sender: a scanner that sends no MPPS and no count tags. Time between
 * instances is the tracker's clock, moved by hand between C-STOREs (each a real association).
 */
describe('series/tracker: completeness learned per sender', function () {
  let node: TestNode;
  let clock: ManualClock;
  let work: string;

  beforeEach(async () => {
    clock = new ManualClock();
    node = await startTestNode({ series: { idleSeconds: 30, learned: { minGaps: 4, floorSeconds: 1, factor: 2 } } }, { clock });
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  /** Sends a series without count tags one instance at a time, `gapMs` apart on the clock. */
  async function pushSeries(seed: string, slices: number, gapMs: number, only?: number[]): Promise<void> {
    const files = writeSeries(`${work}/${seed}-${only?.join('-') ?? 'all'}`, { seed, slices, imagesInAcquisition: null, only });
    for (const [i, file] of files.entries()) {
      if (i > 0) clock.advance(gapMs);
      await store(node, [file]);
    }
  }

  it("waits the idle window on a fresh install, then completes the same sender's next series after its learned quiet time", async () => {
    const events = recordStable(node);
    await pushSeries('first', 5, 800);
    clock.advance(29_999);
    expect(events, 'nothing learned yet: the idle window').to.have.length(0);
    clock.advance(1);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle']);

    // Four gaps of 800 ms: quiet time 2 x 800 = 1.6 s (above the 1 s floor).
    await pushSeries('second', 5, 800);
    clock.advance(1_599);
    expect(events).to.have.length(1);
    clock.advance(1);
    expect(events.map((e) => [e.reason, e.instanceCount])).to.deep.equal([
      ['idle', 5],
      ['quiet', 5],
    ]);

    const api = await apiAs(node, 'it');
    const res = await api.get('/completeness/senders').expect(200);
    expect(res.body).to.deep.equal([
      {
        CallingAET: 'MODALITY',
        StationName: 'TESTCT1',
        Modality: 'CT',
        SeriesLearned: 2,
        SingleImageSeries: 0,
        Gaps: 8,
        GapQuantileSeconds: 0.8,
        QuietSeconds: 1.6,
        SingleImageAtOnce: false,
        LearnedAt: new Date(clock.now()).toISOString(),
      },
    ]);
    const metrics = await api.get('/metrics').expect(200);
    expect(metrics.text).to.match(/vigil_series_stable_total\{reason="quiet",version="first"\} 1/);
    expect(metrics.text).to.match(/vigil_series_learned_senders\{modality="CT"\} 1/);
    expect(metrics.text).to.match(/vigil_series_learned_quiet_seconds_max\{modality="CT"\} 1.6/);
  });

  it("learns nothing from the node's own AI results: they are not a scanner", async () => {
    const events = recordStable(node);
    for (const seed of ['results-1', 'results-2']) {
      const files = writeSeries(`${work}/${seed}`, { seed, slices: 5, imagesInAcquisition: null });
      for (const [i, file] of files.entries()) {
        if (i > 0) clock.advance(800);
        await store(node, [file], OWN_RESULTS_AE_TITLE);
      }
      clock.advance(30_000);
    }
    expect(
      events.map((e) => e.reason),
      'the idle window, every time',
    ).to.deep.equal(['idle', 'idle']);
    const api = await apiAs(node, 'it');
    expect((await api.get('/completeness/senders').expect(200)).body).to.deep.equal([]);
  });

  it('keeps the floor when the sender sends faster, and never waits longer than the idle window', async () => {
    const events = recordStable(node);
    await pushSeries('fast', 6, 10);
    clock.advance(30_000);
    await pushSeries('fast-again', 6, 10);
    clock.advance(999);
    expect(events).to.have.length(1);
    clock.advance(1);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle', 'quiet']);

    // A sender that pauses 40 s between instances learns the idle window (30 s), no more.
    await pushSeries('slow', 5, 40_000);
    clock.advance(30_000);
    const senders = (await (await apiAs(node, 'it')).get('/completeness/senders').expect(200)).body;
    expect(senders[0]).to.include({ QuietSeconds: 30 });
  });

  it('reopens a series that pauses longer than learned, runs triage on it again, and learns the longer gap', async () => {
    const events = recordStable(node);
    await pushSeries('teach', 5, 800);
    clock.advance(30_000);

    await pushSeries('paused', 6, 800, [0, 1, 2]);
    clock.advance(1_600);
    expect(events.map((e) => [e.reason, e.version, e.instanceCount])).to.deep.equal([
      ['idle', 1, 5],
      ['quiet', 1, 3],
    ]);
    clock.advance(2_400); // the scanner resumes 4 s after its last instance
    await pushSeries('paused', 6, 800, [3, 4, 5]);
    clock.advance(30_000);
    expect(events.slice(2).map((e) => [e.reason, e.version, e.instanceCount, e.runTriage])).to.deep.equal([['quiet', 2, 6, true]]);
    expect(trackerChanges(node).map(([type, data]) => [type, data?.version])).to.deep.equal([
      ['stable-series', 1],
      ['stable-series', 1],
      ['reopened-series', 1],
      ['stable-series', 2],
    ]);
    const senders = (await (await apiAs(node, 'it')).get('/completeness/senders').expect(200)).body;
    // Eight gaps of 800 ms and the pause of 4 s: the 0.99 quantile is the pause.
    expect(senders[0]).to.include({ Gaps: 9, GapQuantileSeconds: 4, QuietSeconds: 8, SeriesLearned: 2 });
  });

  it('keeps what it learned across a restart', async () => {
    await pushSeries('before', 5, 800);
    clock.advance(30_000);
    await pushSeries('before-2', 5, 800);
    clock.advance(30_000);
    const dataDir = node.dataDir;
    await node.stop();
    node = await startTestNode({ series: { idleSeconds: 30, learned: { minGaps: 4, floorSeconds: 1, factor: 2 } } }, { clock, dataDir });
    const events = recordStable(node);
    await pushSeries('after', 3, 800);
    clock.advance(1_600);
    expect(events.map((e) => e.reason)).to.deep.equal(['quiet']);
  });
});

describe('series/tracker: learning can be switched off', () => {
  it('waits the idle window whatever the history with series.learned.enabled false', async () => {
    const clock = new ManualClock();
    const node = await startTestNode({ series: { idleSeconds: 30, learned: { enabled: false, minGaps: 1 } } }, { clock });
    const work = makeTempDir();
    try {
      const events = recordStable(node);
      for (const seed of ['a', 'b']) {
        for (const file of writeSeries(`${work}/${seed}`, { seed, slices: 3, imagesInAcquisition: null })) {
          clock.advance(100);
          await store(node, [file]);
        }
        clock.advance(29_999);
        expect(events.filter((e) => e.seriesInstanceUid).length).to.equal(seed === 'a' ? 0 : 1);
        clock.advance(1);
      }
      expect(events.map((e) => e.reason)).to.deep.equal(['idle', 'idle']);
      const senders = (await (await apiAs(node, 'it')).get('/completeness/senders').expect(200)).body;
      expect(senders).to.deep.equal([]);
    } finally {
      await node.dispose();
      removeDir(work);
    }
  });
});

describe('series/tracker: a single radiograph from a sender of single-image series', () => {
  let node: TestNode;
  let clock: ManualClock;
  let work: string;

  beforeEach(async () => {
    clock = new ManualClock();
    node = await startTestNode({ series: { idleSeconds: 30, learned: { singleImageMinSeries: 3 } } }, { clock });
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  /** A DX image of series `seed`; `copy` makes another instance of the same series. */
  function radiograph(seed: string, copy = 0): string {
    const file = writeRadiograph(`${work}/${seed}-${copy}.dcm`, { seed, rows: 32, columns: 32, value: (r, c) => r + c });
    if (copy === 0) return file;
    const dict = dcmjs.data.DicomMessage.readFile(new Uint8Array(fs.readFileSync(file)).buffer);
    const uid = uidFor(`${seed}/instance/${copy}`);
    dict.dict['00080018']!.Value = [uid];
    dict.meta['00020003']!.Value = [uid];
    fs.writeFileSync(file, Buffer.from(dict.write()));
    return file;
  }

  it('completes it at once once the history shows one image per series, and stops when a series grows', async () => {
    const events = recordStable(node);
    for (const seed of ['cxr-1', 'cxr-2', 'cxr-3']) {
      await store(node, [radiograph(seed)]);
      expect(events.at(-1)?.seriesInstanceUid, 'no history yet: the idle window').to.not.equal(uidFor(`${seed}/series`));
      clock.advance(30_000);
    }
    await store(node, [radiograph('cxr-4')]);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle', 'idle', 'idle', 'single-image']);
    const api = await apiAs(node, 'it');
    expect((await api.get('/completeness/senders').expect(200)).body[0]).to.include({
      Modality: 'DX',
      SeriesLearned: 4,
      SingleImageSeries: 4,
      SingleImageAtOnce: true,
    });

    // A second image reopens the series; the sender now has a two-image series in its history.
    await store(node, [radiograph('cxr-4', 1)]);
    clock.advance(30_000);
    expect(events.slice(4).map((e) => [e.reason, e.version, e.instanceCount])).to.deep.equal([['idle', 2, 2]]);
    expect((await api.get('/completeness/senders').expect(200)).body[0]).to.include({ SeriesLearned: 4, SingleImageSeries: 3, SingleImageAtOnce: false });
    await store(node, [radiograph('cxr-5')]);
    expect(events).to.have.length(5);
    clock.advance(30_000);
    expect(events.map((e) => e.reason).at(-1)).to.equal('idle');
  });
});
