import path from 'node:path';
import { expect } from 'chai';
import { startTestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { ingest, settled, TEST_PACKS } from '../helpers/triage.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { JobStore } from '../../src/triage/jobs.js';

describe('triage: a crash between running and done', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => (dataDir = makeTempDir()));
  afterEach(() => removeDir(dataDir));

  it('runs the job again at the next start and stores its finding', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const overrides = { triage: { modelsDir: TEST_PACKS, workers: 1 } };
    const first = await startTestNode(overrides, { dataDir });
    const files = writeSlices(
      path.join(dataDir, 'in'),
      { seed: 'crash', rows: 16, columns: 16, intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
    );
    const seriesId = await ingest(first, files, 'crash');
    await first.stop();

    // What a crash mid-inference leaves in the index: the job claimed, running, one attempt used.
    const db = openDatabase(indexPath(dataDir));
    const jobs = new JobStore(db);
    const { job } = jobs.enqueue({ seriesId, seriesVersion: 1, modelId: 'test-volume', priority: 'stat', urgency: 50, ruleId: null, maxAttempts: 3 });
    expect(jobs.claim()!.id).to.equal(job.id);
    db.close();

    const second = await startTestNode(overrides, { dataDir });
    try {
      const done = await settled(second, job.id);
      expect(done).to.deep.include({ state: 'done', attempts: 2 });
      expect(second.triage.findings.get(done.findingId!)!.seriesId).to.equal(seriesId);
    } finally {
      await second.stop();
    }
  });
});
