import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { writePhantom, type PhantomOptions } from '../../src/tools/phantom/phantom.js';
import type { VigilNode } from '../../src/node.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { settled } from '../helpers/triage.js';

/**
 * The shipped demonstrator packs on phantoms they never saw (seeds outside every split), through
 * the node: C-STORE, the default routing rule, a triage job in the worker pool, the finding.
 * Each case is a pair of twins: the same seed with and without the finding; the model must flag
 * the one and stay quiet on the other. Clear-cut sizes: this tests the wiring, the model cards
 * give the accuracy.
 */
const CASES: { pack: string; rule: string; phantom: Omit<PhantomOptions, 'finding'>; finding: PhantomOptions['finding'] }[] = [
  {
    pack: 'stroke-ich',
    rule: 'stroke.ncct-head',
    finding: 'ich',
    phantom: { kind: 'head-ct', seed: 5001, vendor: 'alpha', sliceThicknessMm: 5, matrix: 256, size: 'large', type: 'intraparenchymal' },
  },
  {
    pack: 'stroke-ich',
    rule: 'stroke.ncct-head',
    finding: 'ich',
    phantom: { kind: 'head-ct', seed: 5002, vendor: 'gamma', sliceThicknessMm: 4, matrix: 256, size: 'large', type: 'subdural' },
  },
  {
    pack: 'pe-ctpa',
    rule: 'pe.ctpa',
    finding: 'pe',
    phantom: { kind: 'ctpa', seed: 5003, vendor: 'alpha', sliceThicknessMm: 2.5, matrix: 256, size: 'large', type: 'central' },
  },
  {
    pack: 'pneumothorax-cxr',
    rule: 'pneumothorax.cxr',
    finding: 'pneumothorax',
    phantom: { kind: 'cxr', seed: 5004, vendor: 'alpha', matrix: 1, size: 'large', type: 'apical' },
  },
  {
    pack: 'pneumothorax-cxr',
    rule: 'pneumothorax.cxr',
    finding: 'pneumothorax',
    phantom: { kind: 'cxr', seed: 5005, vendor: 'beta', matrix: 1, size: 'large', type: 'lateral' },
  },
];
const MODELS = path.resolve('models');
const shipped = (id: string) => fs.existsSync(path.join(MODELS, id, 'manifest.json'));

async function store(node: VigilNode, dir: string, files: string[], seriesUid: string): Promise<string> {
  const result = await storescu(
    node.dicom.port,
    files.map((f) => path.join(dir, f)),
  );
  expect(storeResponses(result), result.stderr).to.deep.equal({ success: files.length, failed: 0 });
  const id = node.index.listIds('series', 0, 1000).find((s) => node.index.getResource('series', s)?.mainTags.SeriesInstanceUID === seriesUid);
  if (!id) throw new Error('series not indexed');
  return id;
}

describe('models: the demonstrator packs flag fresh phantoms and stay quiet on their twins', function () {
  this.timeout(600_000);
  let node: TestNode;
  let work: string;
  let it_: string;
  let radiologist: string;

  before(async function () {
    if (!CASES.some((c) => shipped(c.pack))) {
      console.log('      skipped: no demonstrator pack in models/ yet');
      this.skip();
    }
    work = makeTempDir();
    node = await startTestNode({ triage: { modelsDir: MODELS, workers: 1 }, plugins: { enabled: ['stroke', 'pe', 'pneumothorax'] } });
    it_ = await node.tokenFor('it');
    radiologist = await node.tokenFor('radiologist');
  });
  after(async () => {
    await node?.dispose();
    if (work) removeDir(work);
  });

  for (const c of CASES) {
    it(`${c.pack}: ${c.phantom.type} ${c.finding} found, its twin left alone (seed ${c.phantom.seed})`, async function () {
      if (!shipped(c.pack)) this.skip();
      requireTool(this, 'storescu', 'dcmtk');
      const models = await request(node.app).get(`/models/${c.pack}`).set('Authorization', `Bearer ${it_}`);
      expect(models.body.status, JSON.stringify(models.body.reason)).to.equal('available');
      for (const finding of [c.finding, 'none'] as const) {
        const dir = path.join(work, `${c.pack}-${c.phantom.seed}-${finding}`);
        const written = writePhantom({ ...c.phantom, finding }, dir);
        const seriesId = await store(node, dir, written.files, written.label.series.seriesInstanceUid);
        // The default rule picks the series for this model.
        const routed = await request(node.app).post('/rules/test').set('Authorization', `Bearer ${it_}`).send({ seriesId }).expect(200);
        expect(routed.body.series[0].inForce.matched).to.include(c.rule);
        const job = await settled(node, node.triage.enqueue({ seriesId, modelId: c.pack, ruleId: c.rule }).job.id);
        expect(job.state, JSON.stringify(job.error)).to.equal('done');
        const res = await request(node.app).get(`/findings/${job.findingId}`).set('Authorization', `Bearer ${radiologist}`).expect(200);
        expect(res.body.positive, `${finding}: probability ${res.body.probability}, threshold ${res.body.threshold}`).to.equal(finding !== 'none');
      }
    });
  }
});
