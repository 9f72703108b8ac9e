import { retireOwner } from '../../src/store/owner.js';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/node.js';
import { pluginQueueName } from '../../src/plugins/queue.js';
import { FORWARD_QUEUE } from '../../src/rules/forwarder.js';
import { JobStore as QueueJobStore } from '../../src/queue/job-store.js';
import { JobStore as TriageJobStore } from '../../src/triage/jobs.js';
import type { VigilConfigInput } from '../../src/config/schema.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { makeFinding, type SeededStudy } from '../helpers/findings.js';
import { freePort } from '../helpers/node-process.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';
import { asTestNode, startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { store } from '../series/helpers.js';

const DAY = 86_400_000;

/**
 * storage.retention on a real 40 MB disk (a tmpfs): studies received over DICOM, removed by age
 * or to fit maxStorageMb, oldest first; each protection keeps a study until it is lifted.
 */
describe('store/retention', function () {
  this.timeout(60_000);
  let disk: SmallDisk;
  let node: TestNode | undefined;
  let work: string;

  beforeEach(function () {
    disk = mountSmallDisk(this, 40);
    work = makeTempDir();
  });
  afterEach(async () => {
    await node?.stop();
    node = undefined;
    disk?.unmount();
    removeDir(work);
  });

  async function start(retention: NonNullable<NonNullable<VigilConfigInput['storage']>['retention']>, more: VigilConfigInput = {}): Promise<TestNode> {
    node = await startTestNode({ ...more, storage: { retention } }, { dataDir: path.join(disk.dir, 'data') });
    return node;
  }

  /** Receives one complete study (its series stable by its count tags); returns its ids. */
  async function receive(seed: string, opts: { slices?: number; size?: number; only?: number[] } = {}): Promise<SeededStudy & { files: string[] }> {
    const slices = opts.slices ?? 2;
    const files = writeSeries(path.join(work, seed), { seed, slices, rows: opts.size ?? 128, columns: opts.size ?? 128, only: opts.only });
    await store(node!, files);
    const { id: studyId } = node!.db.prepare('SELECT id FROM studies WHERE study_instance_uid = ?').get(uidFor(`${seed}/study`)) as { id: string };
    const seriesId = node!.index.childIds('studies', studyId)[0]!;
    const stored = node!.index.instancesUnder('studies', studyId).map((i) => node!.files.absolutePath(i.filePath));
    return {
      studyId,
      seriesId,
      studyInstanceUid: uidFor(`${seed}/study`),
      seriesInstanceUid: uidFor(`${seed}/series`),
      accessionNumber: 'ACC-TEST-1',
      files: stored,
    };
  }

  /** Makes a study look as if its last instance arrived `days` ago. */
  function age(studyId: string, days: number): void {
    node!.db.prepare('UPDATE studies SET updated_at = updated_at - ? WHERE id = ?').run(Math.round(days * DAY), studyId);
  }

  const present = (studyId: string): boolean => node!.index.getResource('studies', studyId) !== undefined;

  it('removes studies past maxAgeDays, their files and rows, in /changes, the audit trail and the metrics', async () => {
    await start({ maxAgeDays: 30 });
    const old = await receive('old', { size: 512 });
    const recent = await receive('recent');
    age(old.studyId, 40);
    age(recent.studyId, 10);
    const freeBefore = disk.freeBytes();

    const report = await node!.retention.run();
    expect(report.removed).to.deep.equal([{ studyId: old.studyId, reason: 'age', instances: 2, bytes: report.bytesBefore - report.bytesAfter }]);
    expect(present(old.studyId)).to.equal(false);
    expect(present(recent.studyId)).to.equal(true);
    for (const f of old.files) expect(fs.existsSync(f), 'file removed').to.equal(false);
    for (const f of recent.files) expect(fs.existsSync(f)).to.equal(true);
    expect(disk.freeBytes() - freeBefore, 'the disk has the room back').to.be.greaterThan(0.8 * report.removed[0]!.bytes);
    expect(node!.db.prepare('SELECT COUNT(*) AS n FROM retention_pending_files').get()).to.deep.equal({ n: 0 });

    const changes = node!.index.changes.list(0, 1000).changes.filter((c) => c.resourceId === old.studyId);
    expect(changes.map((c) => c.type)).to.include.members(['deleted', 'retention-removed']);
    expect(changes.find((c) => c.type === 'retention-removed')!.data).to.deep.equal({ reason: 'age', instances: 2, bytes: report.removed[0]!.bytes });
    const audited = node!.audit.list({ since: 0, limit: 100 }).entries.filter((e) => e.route === 'storage.retention');
    expect(audited.map((e) => [e.tokenName, e.method, e.resources, e.params.reason])).to.deep.equal([['system:retention', 'SYSTEM', [old.studyId], 'age']]);
    const metrics = (await node!.metrics.render()).body;
    expect(metrics).to.match(/vigil_retention_removed_studies_total\{reason="age"\} 1/);
    expect(metrics).to.match(new RegExp(`vigil_retention_removed_bytes_total\\{reason="age"\\} ${report.removed[0]!.bytes}`));
    expect(node!.logs.text()).to.not.match(/TEST\^PATIENT|PID-TEST-1/);
  });

  it('runs on its schedule (node-cron)', async () => {
    await start({ maxAgeDays: 30, schedule: '* * * * * *' });
    const old = await receive('scheduled');
    age(old.studyId, 40);
    await eventually(() => !present(old.studyId), 'the scheduled run removed the old study');
    for (const f of old.files) expect(fs.existsSync(f)).to.equal(false);
  });

  it('removes the oldest studies until the stored files fit maxStorageMb, and no more', async () => {
    await start({ maxStorageMb: 1 });
    // Three studies of one 500 x 500 slice (about 0.5 MB each): only two fit in 1 MB.
    const [a, b, c] = [
      await receive('a', { slices: 1, size: 500 }),
      await receive('b', { slices: 1, size: 500 }),
      await receive('c', { slices: 1, size: 500 }),
    ];
    age(a.studyId, 3 / 24);
    age(b.studyId, 2 / 24);
    age(c.studyId, 1 / 24);
    const report = await node!.retention.run();
    expect(report.removed.map((r) => [r.studyId, r.reason])).to.deep.equal([[a.studyId, 'size']]);
    expect(report.bytesAfter).to.be.at.most(1024 * 1024);
    expect([present(b.studyId), present(c.studyId)]).to.deep.equal([true, true]);
    expect((await node!.retention.run()).removed, 'a second run finds nothing to do').to.deep.equal([]);
  });

  it('skips a protected old study and goes on with the next oldest to make room', async () => {
    await start({ maxStorageMb: 1 });
    const [a, b, c] = [
      await receive('pa', { slices: 1, size: 500 }),
      await receive('pb', { slices: 1, size: 500 }),
      await receive('pc', { slices: 1, size: 500 }),
    ];
    age(a.studyId, 3 / 24);
    age(b.studyId, 2 / 24);
    age(c.studyId, 1 / 24);
    new QueueJobStore(node!.db, pluginQueueName('some-plugin')).add('k', { seriesId: a.seriesId }, Date.now());
    const report = await node!.retention.run();
    expect(report.kept).to.deep.equal({ 'pending-plugin-job': 1 });
    expect(report.removed.map((r) => r.studyId)).to.deep.equal([b.studyId]);
    expect([present(a.studyId), present(c.studyId)]).to.deep.equal([true, true]);
  });

  describe('protections: an old study is kept while', () => {
    /** Starts with maxAgeDays 30 and one study 40 days old. */
    async function oldStudy(more: VigilConfigInput = {}): Promise<SeededStudy & { files: string[] }> {
      await start({ maxAgeDays: 30 }, more);
      const study = await receive('protected');
      age(study.studyId, 40);
      return study;
    }

    async function expectKeptBy(study: { studyId: string; files: string[] }, protection: string): Promise<void> {
      const report = await node!.retention.run();
      expect(report.removed).to.deep.equal([]);
      expect(report.kept).to.deep.equal({ [protection]: 1 });
      expect(present(study.studyId)).to.equal(true);
      for (const f of study.files) expect(fs.existsSync(f)).to.equal(true);
      expect((await node!.metrics.render()).body).to.match(new RegExp(`vigil_retention_protected_studies\\{protection="${protection}"\\} 1`));
    }

    async function expectRemoved(study: { studyId: string }): Promise<void> {
      const report = await node!.retention.run();
      expect(report.removed.map((r) => r.studyId)).to.deep.equal([study.studyId]);
      expect(present(study.studyId)).to.equal(false);
    }

    async function closedPort(): Promise<number> {
      return freePort(); // nothing listens there: every attempt fails and is retried later
    }

    it('it has a critical alert nobody acknowledged', async () => {
      const study = await oldStudy({
        alerts: { destinations: [{ id: 'hook', type: 'webhook', url: `http://127.0.0.1:${await closedPort()}/hook`, secret: 's'.repeat(32) }] },
      });
      const result = node!.alerts.outbox.enqueueForFinding(makeFinding(study, { critical: true }));
      expect(result.outcome).to.equal('created');
      const alertId = (result as { alert: { id: string } }).alert.id;
      node!.alerts.outbox.cancel(alertId, 'test'); // its delivery is not what is tested here
      await expectKeptBy(study, 'unacknowledged-critical-alert');
      node!.alerts.outbox.acknowledge(alertId, 'dr-a', null);
      await expectRemoved(study);
    });

    it('an alert message is still to be delivered', async () => {
      const hook = {
        id: 'hook',
        type: 'webhook' as const,
        url: `http://127.0.0.1:${await closedPort()}/hook`,
        secret: 's'.repeat(32),
        when: { criticalOnly: false },
      };
      const study = await oldStudy({ alerts: { destinations: [hook] } });
      const result = node!.alerts.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent' }));
      expect(result.outcome).to.equal('created');
      await expectKeptBy(study, 'pending-alert-delivery');
      node!.alerts.outbox.cancel((result as { alert: { id: string } }).alert.id, 'test');
      await expectRemoved(study);
    });

    it('it has a positive AI result and is not read', async () => {
      const study = await oldStudy();
      node!.worklist.results.record(makeFinding(study, { critical: false, priority: 'urgent' }));
      await expectKeptBy(study, 'unread-positive');
      node!.worklist.reading.markRead(study.studyId, 'dr-a', Date.now());
      await expectRemoved(study);
    });

    it('a triage job is queued on one of its series', async () => {
      const study = await oldStudy();
      node!.triage.stopClaiming(); // the job stays queued (no model here to run it)
      const jobs = new TriageJobStore(node!.db);
      const { job } = jobs.enqueue({
        seriesId: study.seriesId,
        seriesVersion: 1,
        modelId: 'stroke',
        priority: 'stat',
        urgency: 50,
        ruleId: null,
        maxAttempts: 3,
      });
      await expectKeptBy(study, 'pending-triage-job');
      jobs.cancel(job.id);
      await expectRemoved(study);
    });

    it('a forward of the routing rules is still to be sent', async () => {
      const study = await oldStudy({ dicom: { modalities: [{ aeTitle: 'PACS', host: '127.0.0.1', port: await closedPort() }] } });
      node!.forwards.forward({ seriesId: study.seriesId, destination: 'PACS', ruleId: 'to-pacs' });
      await expectKeptBy(study, 'pending-forward');
      const queue = new QueueJobStore(node!.db, FORWARD_QUEUE);
      for (const job of queue.list('pending', 10)) queue.cancel(job, Date.now());
      await expectRemoved(study);
    });

    it("a plugin's job names it or one of its series", async () => {
      const study = await oldStudy();
      const queue = new QueueJobStore(node!.db, pluginQueueName('some-plugin'));
      queue.add('by-uid', { studyInstanceUid: study.studyInstanceUid }, Date.now());
      await expectKeptBy(study, 'pending-plugin-job');
      queue.cancel(queue.list('pending', 10)[0]!, Date.now());
      await expectRemoved(study);
    });

    it('one of its series is still receiving', async () => {
      await start({ maxAgeDays: 30 });
      const study = await receive('receiving', { slices: 3, only: [0, 1] });
      age(study.studyId, 40);
      await expectKeptBy(study, 'series-in-progress');
      await store(node!, writeSeries(path.join(work, 'receiving-rest'), { seed: 'receiving', slices: 3, rows: 128, columns: 128, only: [2] }));
      age(study.studyId, 40);
      await expectRemoved(study);
    });
  });

  it('a stop between the index commit and the file removal: the next start removes the files and indexes nothing again', async () => {
    await start({ maxAgeDays: 30 });
    const study = await receive('interrupted');
    // What the removing transaction commits, without the removal of the files after it, then a crash (the running marker stays).
    node!.index.transaction(() => {
      for (const row of node!.index.deleteResource('studies', study.studyId)) node!.index.pendingRemovals.add(row.filePath, Date.now());
    });
    for (const f of study.files) expect(fs.existsSync(f)).to.equal(true);
    await node!.dicom.stop();
    await node!.http.stop();
    node!.db.close();
    // The crashed node is gone: its running marker and temp files are no live node's now.
    retireOwner(node!.files.owner);
    const config = configSchema.parse({ ...node!.config, dicom: { ...node!.config.dicom, port: 0 }, http: { ...node!.config.http, port: 0 } });
    const dataDir = node!.dataDir;
    const logs = node!.logs;
    node = undefined;
    node = asTestNode(await startNode(config, { log: silentLogger() }), dataDir, logs);
    expect(node.startup).to.include({ uncleanShutdown: true, retentionRemovalsFinished: 2, filesReindexed: 0 });
    expect(present(study.studyId)).to.equal(false);
    for (const f of study.files) expect(fs.existsSync(f)).to.equal(false);
    expect(node.db.prepare('SELECT COUNT(*) AS n FROM retention_pending_files').get()).to.deep.equal({ n: 0 });
  });
});
