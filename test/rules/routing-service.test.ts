import { expect } from 'chai';
import { eventually } from '../helpers/eventually.js';
import type { ForwardRequest, ModelJobRequest } from '../../src/rules/sink.js';
import { storescu } from '../helpers/dcmtk.js';
import { writeEditedSeries } from '../helpers/rule-headers.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

describe('rules/routing-service: series-stable to model jobs', () => {
  let node: TestNode;
  let dir: string;
  const jobs: ModelJobRequest[] = [];
  const forwards: ForwardRequest[] = [];

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'dcmodify', 'dcmtk');
    dir = makeTempDir();
    node = await startTestNode({
      dicom: { modalities: [{ aeTitle: 'PACS', host: '127.0.0.1', port: 104 }] },
      plugins: { enabled: ['stroke', 'pe', 'pneumothorax'] },
    });
    node.rules.setSink({ runModel: (job) => void jobs.push(job), forward: (f) => void forwards.push(f) });
    node.rules.book.apply(
      { rules: [{ id: 'site.archive-heads', when: { attr: 'BodyPartExamined', equals: 'HEAD' }, then: { forward: ['PACS'] } }] },
      { author: 'test-it', source: 'api' },
    );
  });
  after(async () => {
    await node?.dispose();
    if (dir) removeDir(dir);
  });

  it('routes a stored non-contrast head CT to the stroke model and records why', async () => {
    const files = writeEditedSeries(dir, 'ncct', { set: { '(0018,0015)': 'HEAD', '(0008,1030)': 'CT HEAD', '(0010,0010)': 'DOE^JANE' } }, { slices: 3 });
    const sent = await storescu(node.dicom.port, files, { callingAe: 'CT_ED_1' });
    expect(sent.code).to.equal(0);
    const [seriesId] = node.index.listIds('series', 0, 10);

    // The series tracker announces the series (its count tags say 3 of 3); routing follows.
    await eventually(() => node.rules.decisions.forSeries(seriesId!).length > 0, 'a routing decision');
    await node.rules.routing.stop(); // waits for the hand-over in flight

    expect(jobs).to.deep.equal([{ seriesId, modelId: 'stroke-ich', priority: 'urgent', ruleId: 'stroke.ncct-head' }]);
    expect(forwards).to.deep.equal([{ seriesId, destination: 'PACS', ruleId: 'site.archive-heads' }]);
    const [decision] = node.rules.decisions.forSeries(seriesId!);
    expect(decision).to.deep.include({ seriesVersion: 1, ruleVersion: 2 });
    expect(node.rules.decisions.forSeries(seriesId!)).to.have.length(1);
    expect(decision!.results.find((r) => r.ruleId === 'pe.ctpa')!.because).to.match(/^no match: none of 2 alternatives holds \(BodyPartExamined is HEAD/);
    const change = node.index.changes.list(0, 100).changes.find((c) => c.type === 'series-routed');
    expect(change).to.deep.include({ resourceType: 'series', resourceId: seriesId });
    expect(change!.data).to.deep.include({ models: ['stroke-ich'], forward: ['PACS'], ruleVersion: 2 });
    expect(node.logs.text()).to.include('series routed');
    expect(node.logs.text()).not.to.include('DOE');
  });

  it('records a reopened series but queues no model job when triage must not run again', async () => {
    const seriesId = node.index.listIds('series', 0, 10)[0]!;
    const before = jobs.length;
    await node.rules.routing.route({ seriesId, version: 2, runTriage: false });
    expect(jobs.length).to.equal(before);
    expect(node.rules.decisions.forSeries(seriesId)[0]).to.deep.include({ seriesVersion: 2 });
  });

  it('uses the calling AE title of the instances as a fact', async () => {
    const facts = await node.rules.series.facts(node.index.listIds('series', 0, 10)[0]!);
    expect(facts!.facts).to.deep.include({
      'association.callingAeTitle': ['CT_ED_1'],
      'association.calledAeTitle': 'VIGIL',
      'series.instanceCount': 3,
      'series.orientation': 'axial',
    });
  });
});
