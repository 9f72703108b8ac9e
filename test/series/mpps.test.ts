import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { MppsStatus } from '../../src/series/mpps.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { mppsAttrs, sendMpps } from '../helpers/mpps-client.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { recordStable, store } from './helpers.js';

const SERIES = { seriesInstanceUid: uidFor('series/series'), sopInstanceUids: [0, 1, 2].map((i) => uidFor(`series/instance/${i}`)) };
const STEP = '1.2.826.0.1.3680043.10.1.77';

describe('series/mpps: Vigil as an MPPS SCP', function () {
  let node: TestNode;
  let clock: ManualClock;
  let work: string;

  beforeEach(async () => {
    clock = new ManualClock();
    node = await startTestNode({}, { clock });
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  // No count tags in these series, so only MPPS (or the idle window) can complete them.
  const series = () => writeSeries(work, { slices: 3, imagesInAcquisition: null });

  it('completes a series at once when the N-SET COMPLETED comes after its instances', async () => {
    const events = recordStable(node);
    await store(node, series());
    const results = await sendMpps(node.dicom.port, [
      { kind: 'create', uid: STEP, attrs: mppsAttrs('IN PROGRESS') },
      { kind: 'set', uid: STEP, attrs: mppsAttrs('COMPLETED', [SERIES]) },
    ]);
    expect(results.map((r) => r.status)).to.deep.equal([0, 0]);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ reason: 'mpps', version: 1, instanceCount: 3 });
  });

  it('completes a series as its last listed instance arrives after the N-SET', async () => {
    const events = recordStable(node);
    await sendMpps(node.dicom.port, [
      { kind: 'create', uid: STEP, attrs: mppsAttrs('IN PROGRESS', [SERIES]) },
      { kind: 'set', uid: STEP, attrs: mppsAttrs('COMPLETED', [SERIES]) },
    ]);
    const files = series();
    await store(node, files.slice(0, 2));
    expect(events).to.have.length(0);
    await store(node, files.slice(2));
    expect(events.map((e) => e.reason)).to.deep.equal(['mpps']);
    clock.advance(3_600_000);
    expect(events).to.have.length(1);
  });

  it('waits for the idle window while a step is in progress, or lists fewer instances than stored', async () => {
    const events = recordStable(node);
    await store(node, series());
    await sendMpps(node.dicom.port, [
      { kind: 'create', uid: STEP, attrs: mppsAttrs('IN PROGRESS', [SERIES]) },
      { kind: 'set', uid: STEP, attrs: mppsAttrs('COMPLETED', [{ ...SERIES, sopInstanceUids: SERIES.sopInstanceUids.slice(0, 2) }]) },
    ]);
    expect(events).to.have.length(0);
    clock.advance(30_000);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle']);
  });

  it('answers with the statuses of PS3.4 F.7', async () => {
    const results = await sendMpps(node.dicom.port, [
      { kind: 'set', uid: '1.2.3.404', attrs: mppsAttrs('COMPLETED') },
      { kind: 'create', uid: STEP, attrs: mppsAttrs('COMPLETED') },
      { kind: 'create', uid: STEP, attrs: { Modality: 'CT' } },
      { kind: 'create', uid: STEP, attrs: mppsAttrs('IN PROGRESS') },
      { kind: 'create', uid: STEP, attrs: mppsAttrs('IN PROGRESS') },
      { kind: 'set', uid: STEP, attrs: mppsAttrs('DISCONTINUED') },
      { kind: 'set', uid: STEP, attrs: mppsAttrs('COMPLETED') },
      { kind: 'create', uid: '', attrs: mppsAttrs('IN PROGRESS') },
    ]);
    expect(results.slice(0, 7).map((r) => r.status)).to.deep.equal([
      MppsStatus.NoSuchObjectInstance,
      MppsStatus.InvalidAttributeValue,
      MppsStatus.MissingAttribute,
      MppsStatus.Success,
      MppsStatus.DuplicateSopInstance,
      MppsStatus.Success,
      MppsStatus.ProcessingFailure,
    ]);
    expect(results[7]!.status).to.equal(MppsStatus.Success);
    expect(results[7]!.uid, 'the SCP assigns a UID the SCU left out').to.match(/^2\.25\.\d+$/);
  });

  it('does not offer MPPS when it is turned off', async () => {
    const off = await startTestNode({ series: { useMpps: false } }, { clock });
    try {
      const results = await sendMpps(off.dicom.port, [{ kind: 'create', uid: STEP, attrs: mppsAttrs('IN PROGRESS') }]);
      expect(results[0]!.status).to.equal(undefined);
    } finally {
      await off.dispose();
    }
  });
});
