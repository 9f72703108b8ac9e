import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeRadiograph, writeSlices, type SliceSpec } from '../helpers/pixel-fixtures.js';
import { copyPacks, ingest, settled } from '../helpers/triage.js';
import type { Finding } from '../../src/domain/finding.js';
import type { Db } from '../../src/db/database.js';

/** 4 slices of 32 × 32 at 1 mm, 40 HU; `bright` puts a 200 HU square on one slice where the test model's map has a cell. */
function headCt(dir: string, seed: string, opts: { bright?: number; slices?: number; gapAfter?: number; announced?: number } = {}): string[] {
  const slices: SliceSpec[] = Array.from({ length: opts.slices ?? 4 }, (_, k) => ({
    position: [0, 0, 5 * k + (opts.gapAfter !== undefined && k > opts.gapAfter ? 5 : 0)],
    value: (r, c) => (k === opts.bright && r >= 8 && r < 16 && c >= 8 && c < 16 ? 1224 : 1064),
  }));
  return writeSlices(
    path.join(dir, seed),
    { seed, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024, imagesInAcquisition: opts.announced },
    slices,
  );
}

describe('triage/engine: series to findings through the worker pool', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  let radiologist: string;
  let it_: string;
  const events: Finding[] = [];
  const inTransaction: boolean[] = [];

  before(async () => {
    work = makeTempDir();
    const models = copyPacks(path.join(work, 'models'));
    // Broken packs: a wrong checksum, and a test vector the model does not reproduce.
    fs.cpSync(path.join(models, 'test-volume'), path.join(models, 'bad-sha'), { recursive: true });
    const badSha = JSON.parse(fs.readFileSync(path.join(models, 'bad-sha', 'manifest.json'), 'utf8'));
    fs.writeFileSync(
      path.join(models, 'bad-sha', 'manifest.json'),
      JSON.stringify({ ...badSha, id: 'bad-sha', model: { ...badSha.model, sha256: 'f'.repeat(64) } }),
    );
    fs.cpSync(path.join(models, 'test-volume'), path.join(models, 'bad-vector'), { recursive: true });
    const badVector = JSON.parse(fs.readFileSync(path.join(models, 'bad-vector', 'manifest.json'), 'utf8'));
    badVector.id = 'bad-vector';
    badVector.testVector.expected.probability.values = [0.123];
    fs.writeFileSync(path.join(models, 'bad-vector', 'manifest.json'), JSON.stringify(badVector));
    node = await startTestNode({ triage: { modelsDir: models, workers: 2, maxAttempts: 2, retryDelayMs: 0 } });
    radiologist = await node.tokenFor('radiologist');
    it_ = await node.tokenFor('it');
    node.bus.on('finding', ({ finding }) => void events.push(finding));
    node.triage.findings.addTransactionalListener((_finding, db: Db) => void inTransaction.push(db.inTransaction));
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('lists packs that pass their checks and, with the reason, those that do not', async () => {
    const res = await request(node.app).get('/models').set('Authorization', `Bearer ${it_}`);
    expect(res.status).to.equal(200);
    const byId = Object.fromEntries((res.body as { id: string; status: string; reason: { code: string; detail: string } | null }[]).map((m) => [m.id, m]));
    expect(byId['test-volume']!.status).to.equal('available');
    expect(byId['test-radiograph']!.status).to.equal('available');
    expect(byId['bad-sha']!.status).to.equal('unavailable');
    expect(byId['bad-sha']!.reason!.code).to.equal('TRIAGE_PACK_INVALID');
    expect(byId['bad-sha']!.reason!.detail).to.match(/SHA-256/);
    expect(byId['bad-vector']!.reason!.detail).to.match(/test vector/);
    const detail = await request(node.app).get('/models/test-volume').set('Authorization', `Bearer ${it_}`);
    expect(detail.body.modelCard).to.match(/tests/);
  });

  it('turns a stored series into a positive finding with its key image, in /changes and on the bus', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'bleed', { bright: 2 }), 'bleed');
    const { job, created } = node.triage.enqueue({ seriesId, modelId: 'test-volume', priority: 'urgent', ruleId: 'stroke-ct' });
    expect(created).to.equal(true);
    expect(node.triage.enqueue({ seriesId, modelId: 'test-volume' }).created, 'idempotent').to.equal(false);
    const done = await settled(node, job.id);
    expect(done.state, JSON.stringify(done.error)).to.equal('done');

    const res = await request(node.app).get(`/findings/${done.findingId}`).set('Authorization', `Bearer ${radiologist}`);
    expect(res.status).to.equal(200);
    const finding = res.body as Finding & { keyImage: string };
    expect(finding.probability).to.be.greaterThan(0.99);
    expect(finding).to.include({
      positive: true,
      critical: true,
      priority: 'stat',
      modelId: 'test-volume',
      deviceUid: '2.25.301',
      ruleId: 'stroke-ct',
      keySliceIndex: 2,
      keyFrameNumber: 1,
    });
    const keyInstance = node.index.getInstance(finding.keyInstanceId!)!;
    expect(keyInstance.mainTags.InstanceNumber).to.equal('3');
    expect(finding.timings.inferenceMs).to.be.a('number');
    // The job keeps its own stage times (the finding has no key-image time); GET /jobs/{id} shows them.
    const jobRes = await request(node.app).get(`/jobs/${job.id}`).set('Authorization', `Bearer ${it_}`);
    expect(jobRes.body.timings).to.include({
      decodeMs: finding.timings.decodeMs,
      preprocessMs: finding.timings.preprocessMs,
      inferenceMs: finding.timings.inferenceMs,
    });
    expect(jobRes.body.timings.keyImageMs).to.be.a('number').and.at.least(0);
    expect(job.timings, 'a queued job has no stage times').to.equal(null);
    const png = await request(node.app).get(finding.keyImage).set('Authorization', `Bearer ${radiologist}`).buffer(true);
    expect(png.type).to.equal('image/png');
    expect((png.body as Buffer).subarray(1, 4).toString('latin1')).to.equal('PNG');
    // The map is kept with where it lies on the source images (a DICOM Segmentation is made from it).
    const kept = node.triage.findings.localisation(finding.id)!;
    expect(kept.map.length).to.equal(kept.localisation.mapShape.reduce((a, b) => a * b, 1));
    const series = node.index.instancesUnder('series', seriesId);
    expect(kept.localisation.images.length).to.be.at.least(1);
    for (const image of kept.localisation.images) expect(series.map((i) => i.id)).to.include(image.instanceId);
    expect(kept.localisation.images.map((i) => i.instanceId)).to.include(finding.keyInstanceId);

    expect(events.map((f) => f.id)).to.include(finding.id);
    expect(inTransaction.length).to.be.greaterThan(0);
    expect(inTransaction.every(Boolean)).to.equal(true);
    const changes = node.index.changes.list(0, 10_000).changes.filter((c) => c.type === 'finding');
    expect(changes.map((c) => c.resourceId)).to.include(finding.id);
    const metrics = await request(node.app).get('/metrics').set('Authorization', `Bearer ${it_}`);
    expect(metrics.text).to.match(/vigil_triage_findings_total\{positive="true"\} 1/);
    expect(metrics.text).to.match(/vigil_triage_jobs\{state="done"\} 1/);
  });

  it('stays negative on a normal series and runs radiograph packs too', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const ct = await ingest(node, headCt(work, 'normal'), 'normal');
    const cxrFile = writeRadiograph(path.join(work, 'cxr', 'cxr.dcm'), {
      rows: 40,
      columns: 48,
      value: (r, c) => (r > 10 && r < 20 && c > 10 && c < 20 ? 4000 : 100 + r),
      photometric: 'MONOCHROME1',
      pixelSpacing: [0.5, 0.5],
      seed: 'cxr',
    });
    const cxr = await ingest(node, [cxrFile], 'cxr');
    const a = await settled(node, node.triage.enqueue({ seriesId: ct, modelId: 'test-volume' }).job.id);
    const b = await settled(node, node.triage.enqueue({ seriesId: cxr, modelId: 'test-radiograph' }).job.id);
    expect([a.state, b.state]).to.deep.equal(['done', 'done']);
    const normal = node.triage.findings.get(a.findingId!)!;
    expect(normal.positive).to.equal(false);
    expect(normal.priority).to.equal('routine');
    expect(node.triage.findings.get(b.findingId!)!.hasKeyImage).to.equal(true);
    // A radiograph's map lies on its one image (plane 0).
    expect(node.triage.findings.localisation(b.findingId!)!.localisation.images)
      .to.have.length(1)
      .and.to.satisfy((images: { mapPlane: number }[]) => images[0]!.mapPlane === 0);
  });

  it('says when a finding was made on part of its series: in the finding, the log and the worklist', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    // Four slices of the six the count tags announce (a push cut short), then one complete series.
    const short = await ingest(node, headCt(work, 'short', { bright: 2, announced: 6 }), 'short');
    const whole = await ingest(node, headCt(work, 'whole', { announced: 4 }), 'whole');
    const a = await settled(node, node.triage.enqueue({ seriesId: short, modelId: 'test-volume' }).job.id);
    const b = await settled(node, node.triage.enqueue({ seriesId: whole, modelId: 'test-volume' }).job.id);
    const partial = await request(node.app).get(`/findings/${a.findingId}`).set('Authorization', `Bearer ${radiologist}`).expect(200);
    expect(partial.body.incompleteSeries).to.deep.equal({ images: 4, announced: 6 });
    expect(partial.body.positive, 'the result on what arrived still counts').to.equal(true);
    const complete = await request(node.app).get(`/findings/${b.findingId}`).set('Authorization', `Bearer ${radiologist}`).expect(200);
    expect(complete.body).not.to.have.property('incompleteSeries');
    const warnings = node.logs.lines.map((l) => JSON.parse(l)).filter((r) => r.message === 'finding made on an incomplete series');
    expect(warnings.map((r) => [r.findingId, r.seriesId, r.images, r.imagesAnnounced])).to.deep.equal([[a.findingId, short, 4, 6]]);

    const entry = await request(node.app).get(`/worklist/${partial.body.studyId}`).set('Authorization', `Bearer ${radiologist}`).expect(200);
    expect(entry.body.findings.map((f: { incompleteSeries: unknown }) => f.incompleteSeries)).to.deep.equal([{ images: 4, announced: 6 }]);
    const other = await request(node.app).get(`/worklist/${complete.body.studyId}`).set('Authorization', `Bearer ${radiologist}`).expect(200);
    expect(other.body.findings[0].incompleteSeries).to.equal(null);
  });

  it('fails bad input and a throwing model with their codes; other jobs go on', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const gap = await ingest(node, headCt(work, 'gap', { slices: 5, gapAfter: 2 }), 'gap');
    const five = await ingest(node, headCt(work, 'five', { slices: 5 }), 'five');
    const good = await ingest(node, headCt(work, 'good'), 'good');
    const jobs = [
      node.triage.enqueue({ seriesId: gap, modelId: 'test-volume' }).job,
      node.triage.enqueue({ seriesId: five, modelId: 'test-fragile' }).job,
      node.triage.enqueue({ seriesId: good, modelId: 'test-volume' }).job,
    ];
    const [gapJob, throwing, fine] = await Promise.all(jobs.map((j) => settled(node, j.id)));
    expect(gapJob).to.deep.include({ state: 'failed', attempts: 1 });
    expect(gapJob!.error!.code).to.equal('TRIAGE_SERIES_GAP');
    expect(throwing!.state).to.equal('failed');
    expect(throwing!.error!.code).to.equal('TRIAGE_MODEL_FAILED');
    expect(fine!.state).to.equal('done');
    const listed = await request(node.app).get(`/jobs?state=failed&seriesId=${gap}`).set('Authorization', `Bearer ${it_}`);
    expect(listed.body.jobs[0].error.code).to.equal('TRIAGE_SERIES_GAP');
    // Retry runs it again (and it fails the same way); a finished job cannot be cancelled.
    const retried = await request(node.app).post(`/jobs/${gapJob!.id}/retry`).set('Authorization', `Bearer ${it_}`);
    expect(retried.status).to.equal(200);
    expect((await settled(node, gapJob!.id)).error!.code).to.equal('TRIAGE_SERIES_GAP');
    const cancel = await request(node.app).post(`/jobs/${fine!.id}/cancel`).set('Authorization', `Bearer ${it_}`);
    expect(cancel.status).to.equal(409);
  });

  it('ends a model past its time bound, retries it, then marks it dead; the pool goes on', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    // The fragile model spins 1,000,000 × max(input) iterations: a bright input exceeds its 300 ms bound.
    const slow = await ingest(node, headCt(work, 'slow', { bright: 1 }), 'slow');
    const job = await settled(node, node.triage.enqueue({ seriesId: slow, modelId: 'test-fragile' }).job.id);
    expect(job).to.deep.include({ state: 'dead', attempts: 2 });
    expect(job.error!.code).to.equal('TRIAGE_TIMEOUT');
    const after = await ingest(node, headCt(work, 'after'), 'after');
    expect((await settled(node, node.triage.enqueue({ seriesId: after, modelId: 'test-volume' }).job.id)).state).to.equal('done');
  });

  it('refuses jobs for disabled or unavailable models', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'switch'), 'switch');
    const off = await request(node.app).post('/models/test-radiograph/disable').set('Authorization', `Bearer ${it_}`);
    expect(off.body.enabled).to.equal(false);
    const refused = await request(node.app).post('/jobs').set('Authorization', `Bearer ${radiologist}`).send({ seriesId, modelId: 'test-radiograph' });
    expect(refused.status).to.equal(409);
    expect(refused.body.code).to.equal('TRIAGE_MODEL_UNAVAILABLE');
    const broken = await request(node.app).post('/jobs').set('Authorization', `Bearer ${radiologist}`).send({ seriesId, modelId: 'bad-sha' });
    expect(broken.body.code).to.equal('TRIAGE_MODEL_UNAVAILABLE');
    await request(node.app).post('/models/test-radiograph/enable').set('Authorization', `Bearer ${it_}`).expect(200);
    const queued = await request(node.app)
      .post('/jobs')
      .set('Authorization', `Bearer ${radiologist}`)
      .send({ seriesId, modelId: 'test-volume', priority: 'stat' });
    expect(queued.status).to.equal(201);
  });
});
