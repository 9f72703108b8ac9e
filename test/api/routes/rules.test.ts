import fs from 'node:fs';
import { expect } from 'chai';
import YAML from 'yaml';
import { readHeader } from '../../../src/dicom/data/header.js';
import { toDicomJson } from '../../../src/dicom/data/dicom-json.js';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { eventually } from '../../helpers/eventually.js';
import { storescu } from '../../helpers/dcmtk.js';
import { writeEditedSeries } from '../../helpers/rule-headers.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';

const CTPA = {
  '(0018,0015)': 'CHEST',
  '(0018,0010)': 'IOHEXOL',
  '(0008,1030)': 'CT PULMONARY ANGIOGRAM',
  '(0008,103E)': 'CTPA 1.0',
  '(0018,0050)': '1',
  '(0010,0010)': 'ROE^RICHARD',
};
const HEAD = { '(0018,0015)': 'HEAD', '(0008,1030)': 'CT HEAD', '(0010,1010)': '071Y' };

describe('api/routes/rules: read, change, version, roll back, dry-run', () => {
  let node: TestNode;
  let dir: string;
  let it_: ApiClient;
  let ctpaSeries: string;

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'dcmodify', 'dcmtk');
    dir = makeTempDir();
    node = await startTestNode({ plugins: { enabled: ['pe', 'pneumothorax', 'stroke'] } });
    it_ = await apiAs(node, 'it');
    const files = writeEditedSeries(dir, 'ctpa', { set: CTPA }, { slices: 2 });
    expect((await storescu(node.dicom.port, files)).code).to.equal(0);
    ctpaSeries = node.index.listIds('series', 0, 10)[0]!;
  });
  after(async () => {
    await node?.dispose();
    if (dir) removeDir(dir);
  });

  it('GET /rules shows the rules in force with their origin', async () => {
    const res = await it_.get('/rules').expect(200);
    expect(res.body.version).to.equal(1);
    expect(res.body.rules.map((r: { id: string }) => r.id)).to.deep.equal(['pe.ctpa', 'pneumothorax.cxr', 'stroke.ncct-head']);
    expect(res.body.rules[0].origin).to.deep.equal({ kind: 'default', plugin: 'pe' });
  });

  it('PUT /rules refuses a bad document with every problem, keeps the rules, and says so in /rules/status', async () => {
    const bad = 'rules:\n  - id: site.x\n    when: { attr: Modalty, equals: CT }\n    then: { models: [nope] }\n';
    const res = await it_.put('/rules').set('Content-Type', 'application/yaml').send(bad).expect(422);
    expect(res.body.code).to.equal('RULES_INVALID');
    expect(res.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['rules.0.when.attr']);
    const status = await it_.get('/rules/status').expect(200);
    expect(status.body).to.deep.include({ version: 1 });
    expect(status.body.failure).to.deep.include({ source: 'api', author: 'test-it', ok: false });
  });

  it('PUT /rules applies a good document as a new version by the token name, audited; rollback makes another', async () => {
    const put = await it_
      .put('/rules')
      .send({ rules: [{ id: 'site.no-research', when: { attr: 'association.callingAeTitle', equals: 'RESEARCH' }, stop: true }] })
      .expect(200);
    expect(put.body).to.deep.include({ version: 2, changed: true });
    const list = await it_.get('/rules/versions').expect(200);
    expect(list.body.map((v: { version: number; author: string }) => [v.version, v.author])).to.deep.equal([
      [2, 'test-it'],
      [1, 'system'],
    ]);
    expect(list.body[0].diff.added).to.deep.equal(['site.no-research']);
    const one = await it_.get('/rules/versions/2').expect(200);
    expect(one.body.document.rules[0].id).to.equal('site.no-research');

    const back = await it_.post('/rules/rollback').send({ version: 1 }).expect(200);
    expect(back.body.version).to.equal(3);
    expect((await it_.get('/rules').expect(200)).body.rules).to.have.length(3);
    const audited = node.audit
      .list({ since: 0, limit: 1000 })
      .entries.filter((e) => e.method !== 'GET')
      .map((e) => [e.method, e.route, e.tokenName, e.status]);
    expect(audited).to.deep.include.members([
      ['PUT', '/rules', 'test-it', 422],
      ['PUT', '/rules', 'test-it', 200],
      ['POST', '/rules/rollback', 'test-it', 200],
    ]);
  });

  it('POST /rules/test compares a draft with the rules in force on a stored series', async () => {
    const res = await it_
      .post('/rules/test')
      .send({ rules: { disable: ['pe.ctpa'] }, seriesId: ctpaSeries })
      .expect(200);
    expect(res.body.differing).to.equal(1);
    // A line per series, first in the response (the full report runs to hundreds of lines).
    expect(Object.keys(res.body).slice(0, 2)).to.deep.equal(['summary', 'differing']);
    expect(res.body.summary).to.deep.equal([
      `${ctpaSeries}: run pe-ctpa (urgent, rule pe.ctpa); the draft would run no model (the rules in force run pe-ctpa (urgent, rule pe.ctpa); the draft does not)`,
    ]);
    const [only] = res.body.series;
    expect(only.inForce.matched).to.deep.equal(['pe.ctpa']);
    expect(only.draft.matched).to.deep.equal([]);
    expect(only.differences).to.deep.equal(['the rules in force run pe-ctpa (urgent, rule pe.ctpa); the draft does not']);
    expect(only.inForce.results[0].outcome.parts).to.have.length(6);
    expect(res.text).not.to.include('ROE');
  });

  it('POST /rules/test runs over the last N days of series', async () => {
    const res = await it_.post('/rules/test').send({ days: 1 }).expect(200);
    expect(res.body).to.deep.include({ truncated: false, differing: 0 });
    expect(res.body.series.map((s: { series: string }) => s.series)).to.deep.equal([ctpaSeries]);
    expect(res.body.series[0].draft.results[0]).not.to.have.property('outcome');
  });

  it('POST /rules/test explains an uploaded header, Part 10 or DICOM JSON, without quoting patient values', async () => {
    const [file] = writeEditedSeries(dir, 'head', { set: HEAD });
    const draft = {
      rules: [
        {
          id: 'site.elderly-head',
          when: {
            all: [
              { attr: 'PatientAge', matches: '^0[7-9]\\dY$' },
              { attr: 'BodyPartExamined', equals: 'HEAD' },
            ],
          },
          then: { models: ['stroke-ich'], priority: 'stat' },
        },
      ],
    };
    const part10 = await it_
      .post('/rules/test')
      .send({ rules: draft, dicom: fs.readFileSync(file!).toString('base64') })
      .expect(200);
    const [seen] = part10.body.series;
    expect(seen.draft.jobs).to.deep.equal([{ modelId: 'stroke-ich', priority: 'stat', ruleId: 'site.elderly-head' }]);
    expect(seen.differences).to.deep.equal(['stroke-ich priority: urgent in force, stat in the draft']);
    expect(seen.draft.text.join('\n')).to.include('PatientAge has a value (not shown: patient data), as wanted');
    expect(part10.text).not.to.include('071Y');

    const json = toDicomJson((await readHeader(file!)).dict);
    const viaJson = await it_.post('/rules/test').send({ rules: draft, dicomJson: json }).expect(200);
    expect(viaJson.body.series[0].draft.matched).to.deep.equal(['site.elderly-head', 'stroke.ncct-head']);
  });

  it('POST /rules/test answers problems for a bad draft or a bad request', async () => {
    const bad = await it_
      .post('/rules/test')
      .send({ rules: { rules: [{ id: 'x', when: { attr: 'Modality', matches: '(a)\\1' } }] }, seriesId: ctpaSeries })
      .expect(422);
    expect(bad.body.errors[0].path).to.equal('rules.0.when.matches');
    await it_.post('/rules/test').send({ seriesId: ctpaSeries, days: 3 }).expect(400);
    await it_
      .post('/rules/test')
      .send({ dicom: Buffer.from('not dicom').toString('base64') })
      .expect(422);
  });

  it('GET /series/:id/routing shows the decisions the node took, with why', async () => {
    const radiologist = await apiAs(node, 'radiologist');
    await eventually(() => node.rules.decisions.forSeries(ctpaSeries).length > 0, 'the routing decision');
    const decisions: { jobs: { modelId: string }[] }[] = (await radiologist.get(`/series/${ctpaSeries}/routing`).expect(200)).body;
    expect(decisions[0]!.jobs.map((j) => j.modelId)).to.deep.equal(['pe-ctpa']);
    await radiologist.get('/series/00000000-00000000-00000000-00000000-00000000/routing').expect(404);
  });
});

describe('api/routes/rules: with a rules file', () => {
  it('PUT /rules writes the file, which the node then reads back as the same version', async () => {
    const configDir = makeTempDir('vigil-rules-');
    const file = `${configDir}/rules.yaml`;
    const node = await startTestNode({ rules: { file, watch: false }, plugins: { enabled: ['pe', 'stroke'] } });
    try {
      const api = await apiAs(node, 'it');
      const text = '# our site\nrules:\n  - { default: stroke.ncct-head }\n';
      await api.put('/rules').set('Content-Type', 'application/yaml').send(text).expect(200);
      expect(fs.readFileSync(file, 'utf8')).to.equal(text);
      node.rules.book.reloadFile();
      expect(node.rules.book.inForce().version).to.equal(2);
      expect(YAML.parse(fs.readFileSync(file, 'utf8'))).to.deep.equal({ rules: [{ default: 'stroke.ncct-head' }] });
    } finally {
      await node.dispose();
      removeDir(configDir);
    }
  });
});
