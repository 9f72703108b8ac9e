import path from 'node:path';
import { expect } from 'chai';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { ingest, settled, TEST_PACKS } from '../helpers/triage.js';
import { triageRoutingSink } from '../../src/triage/routing-sink.js';

describe('triage/routing-sink: routing decisions become jobs', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  before(async () => {
    work = makeTempDir();
    node = await startTestNode({ triage: { modelsDir: TEST_PACKS, workers: 1 } });
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('queues a job per series version and model, and logs a model that cannot take jobs', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const files = writeSlices(
      path.join(work, 'in'),
      { seed: 'routed', rows: 16, columns: 16, intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
    );
    const seriesId = await ingest(node, files, 'routed');
    let version = 2;
    const forwards: string[] = [];
    const sink = triageRoutingSink(
      node.triage,
      () => version,
      (f) => void forwards.push(f.destination),
      node.log,
    );
    await sink.runModel({ seriesId, modelId: 'test-volume', priority: 'stat', ruleId: 'rule-1' });
    await sink.runModel({ seriesId, modelId: 'test-volume', priority: 'stat', ruleId: 'rule-1' });
    version = 3;
    await sink.runModel({ seriesId, modelId: 'test-volume', priority: 'urgent', ruleId: 'rule-1' });
    await sink.runModel({ seriesId, modelId: 'no-such-model', priority: 'stat', ruleId: 'rule-2' });
    await sink.forward({ seriesId, destination: 'PACS', ruleId: 'rule-3' });
    const jobs = node.triage.jobs.list({ seriesId, limit: 10, offset: 0 });
    expect(jobs.map((j) => [j.seriesVersion, j.priority, j.ruleId]).sort()).to.deep.equal([
      [2, 'stat', 'rule-1'],
      [3, 'urgent', 'rule-1'],
    ]);
    for (const job of jobs) expect((await settled(node, job.id)).state).to.equal('done');
    expect(node.logs.text()).to.match(/routing asked for a model that cannot take jobs[\s\S]*NOT_FOUND|NOT_FOUND[\s\S]*routing asked for a model/);
    expect(forwards).to.deep.equal(['PACS']);
  });
});
