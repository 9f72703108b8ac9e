import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { ingest, settled, TEST_PACKS } from '../helpers/triage.js';
import { eventPlugin, writePlugin } from './fixtures.js';

/**
 * A plugin outside the project that, for every stable series, asks triage for a model and raises
 * the study on the worklist through ctx: what it asks for happens, attributed to it.
 */
describe('plugins/lent-services: ctx.triage and ctx.worklist reach the node', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  before(async () => {
    work = makeTempDir();
    const folder = path.join(work, 'plugins');
    writePlugin(
      folder,
      'escalate',
      eventPlugin(
        'escalate',
        `ctx.triage!.request({ seriesId: event.seriesId, seriesVersion: event.version, models: ['test-volume'], priority: 'urgent' });
         ctx.worklist!.raisePriority(event.studyId, 'stat');
         let refused = '';
         try { ctx.triage!.request({ seriesId: event.seriesId, models: ['no-such-model'] }); } catch (err) { refused = (err as { code: string }).code; }
         ctx.log.info('unknown model refused', { code: refused });`,
      ),
    );
    node = await startTestNode({
      plugins: { folders: [folder], enabled: ['escalate'] },
      triage: { modelsDir: TEST_PACKS, workers: 1 },
      series: { idleSeconds: 0.2 },
    });
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('queues the job and records the worklist hint under "plugin:<id>"; an unknown model is refused with its code', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const files = writeSlices(
      path.join(work, 'in'),
      { seed: 'lent', rows: 16, columns: 16, intercept: -1024 },
      [0, 1, 2].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
    );
    const seriesId = await ingest(node, files, 'lent');
    const it_ = await node.tokenFor('it');
    for (;;) {
      const seen = await request(node.app).get('/plugins/escalate/seen').set('Authorization', `Bearer ${it_}`).expect(200);
      if (seen.body.includes(seriesId)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const jobs = node.triage.jobs.list({ seriesId, limit: 10, offset: 0 });
    expect(jobs.map((j) => [j.modelId, j.priority, j.ruleId])).to.deep.equal([['test-volume', 'urgent', 'plugin:escalate']]);
    expect((await settled(node, jobs[0]!.id)).state).to.equal('done');
    const studyId = node.index.getResource('series', seriesId)!.parentId!;
    const entry = node.worklist.query.get(studyId)!;
    expect(entry.priority).to.include({ base: 'stat', baseSource: 'rule' });
    expect(entry.ruleHints.map((h) => h.ruleId).sort()).to.deep.equal(['plugin:escalate', 'plugin:escalate']);
    const refusal = node.logs
      .text()
      .split('\n')
      .find((line) => line.includes('unknown model refused'));
    expect(JSON.parse(refusal ?? '{}')).to.include({ code: 'NOT_FOUND', plugin: 'escalate' });
  });
});
