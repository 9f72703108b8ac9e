import { expect } from 'chai';
import { SeriesStateStore } from '../../src/series/series-state-store.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { recordStable, store } from '../series/helpers.js';
import { copyPacks } from '../helpers/triage.js';

/**
 * The series tracker split by roles: a `dicom` node records arrivals (and what the count tags
 * decide) in the instance's own transaction and emits nothing; the `scheduler` node of the same
 * index emits each declared version once and declares what falls idle. Two nodes of one
 * process on one data folder: two SQLite connections, as two processes would have.
 */
describe('cluster: a series received on one node is handed over by the scheduler node', function () {
  this.timeout(60_000);
  let dataDir: string;
  let work: string;
  let receiver: TestNode;
  let scheduler: TestNode;

  before(async () => {
    dataDir = makeTempDir();
    work = makeTempDir();
    // The nodes' models folder (testConfig: <dataDir>/models): one pack, checked on the triage node, listed on the other.
    copyPacks(`${dataDir}/models`, ['test-volume']);
    receiver = await startTestNode({ node: { roles: ['dicom'] }, series: { idleSeconds: 0.5 } }, { dataDir });
    scheduler = await startTestNode({ node: { roles: ['api', 'triage', 'alerts', 'scheduler'] }, series: { idleSeconds: 0.5 } }, { dataDir });
  });
  after(async () => {
    await scheduler?.stop();
    await receiver?.stop();
    removeDir(dataDir);
    removeDir(work);
  });

  it('emits a series complete by its count tags on the scheduler node only, once', async () => {
    const onReceiver = recordStable(receiver);
    const onScheduler = recordStable(scheduler);
    await store(receiver, writeSeries(`${work}/counts`, { slices: 4, seed: 'counts' }));
    const [event] = await eventually(() => (onScheduler.length > 0 ? onScheduler : undefined), 'series-stable on the scheduler node');
    expect(event).to.include({ reason: 'counts', version: 1, instanceCount: 4 });
    expect(onReceiver, 'the receiver declares, never emits').to.deep.equal([]);
    expect(new SeriesStateStore(receiver.db).get(event!.seriesId)?.emitPending).to.equal(false);
  });

  it('declares a series idle on the scheduler node, from arrivals the receiver recorded', async () => {
    const onScheduler = recordStable(scheduler);
    const files = writeSeries(`${work}/idle`, { slices: 4, seed: 'idle' });
    await store(receiver, files.slice(0, 2));
    const [event] = await eventually(() => (onScheduler.length > 0 ? onScheduler : undefined), 'the idle series on the scheduler node');
    expect(event).to.include({ version: 1, instanceCount: 2 });
    expect(['idle', 'quiet']).to.include(event!.reason);
  });

  it('rules applied on one node (its API) are in force on the scheduler node, which routes', async () => {
    const applied = receiver.rules.book.apply(
      { rules: [{ id: 'site.no-mr', when: { attr: 'Modality', equals: 'MR' }, stop: true }] },
      { author: 'test-it', source: 'api' },
    );
    expect(applied.changed).to.equal(true);
    const inForce = await eventually(
      () => (scheduler.rules.book.inForce().version === applied.version ? scheduler.rules.book.inForce() : undefined),
      'the new rules on the scheduler node',
    );
    expect(inForce.ruleSet.rules.map((r) => r.written.id)).to.include('site.no-mr');
  });

  it("a destination added over one node's API is used by the other node's senders", async () => {
    receiver.alerts.destinations.put({ id: 'added-elsewhere', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'a-secret' }, Date.now());
    await eventually(() => scheduler.alerts.sender.status('added-elsewhere'), 'a sender for it on the alerts node');
    expect(scheduler.alerts.destinations.get('added-elsewhere')?.source).to.equal('api');
  });

  it("a model disabled over one node's API is disabled on the others", async () => {
    expect(scheduler.triage.registry.get('test-volume')).to.include({ status: 'available', enabled: true });
    receiver.triage.registry.setEnabled('test-volume', false);
    await eventually(() => scheduler.triage.registry.get('test-volume')?.enabled === false, 'the switch on the other node');
  });

  it('a version declared by another process while the previous one is handed over stays pending', async () => {
    const states = new SeriesStateStore(scheduler.db);
    const seriesId = scheduler.index.listIds('series', 0, 10).find((id) => states.get(id)?.state === 'stable')!;
    const before = states.get(seriesId)!;
    // Another process reopens the series and declares the next version before this one marks its hand-over.
    states.touch(seriesId, Date.now(), Date.now() + 60_000);
    expect(states.markStable(seriesId, 'counts', before.instanceCount, Date.now())).to.equal(true);
    states.markEmitted(seriesId, before.version);
    expect(states.get(seriesId)).to.include({ version: before.version + 1, emitPending: true });
  });
});
