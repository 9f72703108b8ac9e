import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeRadiograph, writeSlices } from '../helpers/pixel-fixtures.js';
import { copyPacks, ingest, settled } from '../helpers/triage.js';

/** Gives a copied test pack a clinical urgency (finding.urgency). */
function declareUrgency(models: string, id: string, urgency: number): void {
  const file = path.join(models, id, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...manifest, finding: { ...manifest.finding, urgency } }));
}

describe('triage: a burst of radiographs does not delay a head CT', function () {
  this.timeout(120_000);
  let node: TestNode;
  let work: string;

  before(async () => {
    work = makeTempDir();
    const models = copyPacks(path.join(work, 'models'), ['test-volume', 'test-radiograph']);
    declareUrgency(models, 'test-volume', 90);
    declareUrgency(models, 'test-radiograph', 60);
    // One worker, as on a 2-core machine: the queue order is the whole story.
    node = await startTestNode({ triage: { modelsDir: models, workers: 1 } });
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('runs the head CT next, ahead of radiographs queued before it, STAT ones included', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const radiographs: string[] = [];
    for (let i = 0; i < 8; i++) {
      const seed = `burst-cxr-${i}`;
      const file = writeRadiograph(path.join(work, 'cxr', `${i}.dcm`), { rows: 40, columns: 48, value: (r) => 100 + r, pixelSpacing: [0.5, 0.5], seed });
      radiographs.push(await ingest(node, [file], seed));
    }
    const ctFiles = writeSlices(
      path.join(work, 'ct'),
      { seed: 'burst-ct', rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
    );
    const headCt = await ingest(node, ctFiles, 'burst-ct');

    // The radiographs come first (some of them STAT from their rule), the head CT last.
    const cxrJobs = radiographs.map(
      (seriesId, i) => node.triage.enqueue({ seriesId, modelId: 'test-radiograph', priority: i % 2 === 0 ? 'stat' : 'routine' }).job,
    );
    const ctJob = node.triage.enqueue({ seriesId: headCt, modelId: 'test-volume' }).job;
    const done = await Promise.all([...cxrJobs, ctJob].map((job) => settled(node, job.id)));
    expect(
      done.every((j) => j.state === 'done'),
      JSON.stringify(done.map((j) => j.error)),
    ).to.equal(true);

    const byStart = [...done].sort((a, b) => a.startedAt! - b.startedAt! || 0).map((j) => (j.id === ctJob.id ? 'head CT' : 'radiograph'));
    // The first radiograph was claimed the moment it was queued (the worker was free); the head CT is next.
    expect(byStart.slice(0, 2)).to.deep.equal(['radiograph', 'head CT']);
    const ct = done.find((j) => j.id === ctJob.id)!;
    expect(ct.urgency).to.equal(90);
    expect(done.filter((j) => j.id !== ctJob.id && j.startedAt! < ct.startedAt!)).to.have.length(1);
  });
});
