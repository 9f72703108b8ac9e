import path from 'node:path';
import { expect } from 'chai';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { copyPacks } from '../../helpers/triage.js';

const labelled = [0.9, 0.8, 0.7].map((score) => ({ score, label: 1 })).concat([0.6, 0.2, 0.1].map((score) => ({ score, label: 0 })));

describe('api/model-site: shadow or live, and the site operating point, for IT', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  let it_: ApiClient;

  before(async () => {
    work = makeTempDir();
    node = await startTestNode({
      triage: { modelsDir: copyPacks(path.join(work, 'models'), ['test-volume']), workers: 1, calibration: { minPositives: 3, minNegatives: 3 } },
    });
    it_ = await apiAs(node, 'it');
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  const site = async () => (await it_.get('/models/test-volume/site').expect(200)).body;

  it('refuses bad input with the field at fault and changes nothing', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/models/test-volume/mode', { mode: 'loud' }, /^mode: /],
      ['/models/test-volume/mode', { mode: 'live', extra: 1 }, /Unrecognized key/],
      ['/models/test-volume/calibration', { targetSensitivity: 1.2 }, /^targetSensitivity: /],
      ['/models/test-volume/calibration', { targetSensitivity: 0.9, from: 'labelled' }, /^cases: from "labelled" needs/],
      ['/models/test-volume/calibration', { targetSensitivity: 0.9, cases: labelled }, /^cases: only with from "labelled"/],
      ['/models/test-volume/operating-point', { targetSensitivity: 0.9, from: 'labelled', cases: [{ score: 2, label: 1 }] }, /^cases\.0\.score: /],
      ['/models/test-volume/operating-point/rollback', { to: 'latest' }, /^to: /],
    ];
    for (const [url, body, detail] of cases) {
      const res = await it_
        .post(url)
        .send(body as object)
        .expect(400);
      expect(res.body.detail, url).to.match(detail);
    }
    const now = await site();
    expect(now.modeHistory).to.deep.equal([]);
    expect(now.operatingPointHistory).to.deep.equal([]);
    await it_.post('/models/nope/mode').send({ mode: 'live' }).expect(404);
    await it_.post('/models/test-volume/operating-point/rollback').send({ to: 9999 }).expect(404);
    await it_.post('/models/test-volume/mode/rollback').send({ to: 9999 }).expect(404);
  });

  it('proposes from labelled cases without applying, refuses a reviewed threshold the evidence no longer gives, applies and rolls back', async () => {
    const proposal = (await it_.post('/models/test-volume/calibration').send({ targetSensitivity: 1, from: 'labelled', cases: labelled }).expect(200)).body;
    expect(proposal.threshold).to.be.closeTo(0.65, 1e-12);
    expect(proposal.specificity).to.include({ count: 3, total: 3 });
    expect((await site()).operatingPoint.source).to.equal('shipped');

    const moved = await it_
      .post('/models/test-volume/operating-point')
      .send({ targetSensitivity: 1, from: 'labelled', cases: labelled, expectedThreshold: 0.5 })
      .expect(409);
    expect(moved.body.proposal.threshold).to.be.closeTo(0.65, 1e-12);
    expect((await site()).operatingPointHistory).to.deep.equal([]);

    const v1 = (
      await it_
        .post('/models/test-volume/operating-point')
        .send({ targetSensitivity: 1, from: 'labelled', cases: labelled, expectedThreshold: proposal.threshold })
        .expect(201)
    ).body;
    expect((await site()).operatingPoint).to.include({ source: 'site', version: v1.version, name: `site-v${v1.version}` });
    const models = (await it_.get('/models').expect(200)).body as { id: string; operatingPointInForce: { source: string } }[];
    expect(models.find((m) => m.id === 'test-volume')!.operatingPointInForce.source).to.equal('site');

    await it_.post('/models/test-volume/operating-point/rollback').send({ to: 'shipped' }).expect(201);
    expect((await site()).operatingPoint).to.include({ source: 'shipped', threshold: 0.5 });
    const v3 = (await it_.post('/models/test-volume/operating-point/rollback').send({ to: v1.version }).expect(201)).body;
    expect(v3).to.include({ rolledBackTo: v1.version, source: 'site', threshold: v1.threshold });
    expect((await site()).operatingPoint).to.include({ source: 'site', version: v3.version });

    // Too few cases: 422 with the counts.
    const few = await it_.post('/models/test-volume/calibration').send({ targetSensitivity: 0.9 }).expect(422);
    expect(few.body).to.include({ code: 'CALIBRATION_TOO_FEW_CASES', positives: 0, negatives: 0, minPositives: 3 });
  });

  it('switches mode per pack version with a history, rollback included, each change audited', async () => {
    const shadow = (await it_.post('/models/test-volume/mode').send({ mode: 'shadow', reason: 'new scanner' }).expect(201)).body;
    await it_.post('/models/test-volume/mode').send({ mode: 'live' }).expect(201);
    expect((await site()).mode.mode).to.equal('live');
    await it_.post('/models/test-volume/mode/rollback').send({ to: shadow.version }).expect(201);
    const now = await site();
    expect(now.mode.mode).to.equal('shadow');
    expect(now.modeHistory.map((m: { mode: string; author: string }) => [m.mode, m.author])).to.deep.equal([
      ['shadow', 'test-it'],
      ['live', 'test-it'],
      ['shadow', 'test-it'],
    ]);
    const audited = node.audit
      .list({ since: 0, limit: 1000 })
      .entries.filter((e) => e.route.startsWith('/models/:id/mode'))
      .map((e) => [e.route, e.status]);
    expect(audited).to.deep.include(['/models/:id/mode/rollback', 201]);
  });
});
