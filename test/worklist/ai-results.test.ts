import { expect } from 'chai';
import type { WorklistNotice } from '../../src/worklist/live.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { settle } from '../helpers/eventually.js';
import { worklistHarness, type WorklistHarness } from '../helpers/worklist-harness.js';
import { orderUpdate } from './orders/order-fixtures.js';

describe('worklist/ai-results: AI raises a priority, inside the finding transaction', () => {
  let h: WorklistHarness;
  beforeEach(() => {
    h = worklistHarness();
  });
  afterEach(() => h.dispose());

  const changesOf = (type: string) => h.index.changes.list(0, 100).changes.filter((c) => c.type === type);

  it('raises a routine study to STAT and says why: finding, probability, model, key image', () => {
    const study = seedStudy(h.index, 'a');
    const finding = makeFinding(study, { keyInstanceId: 'inst-1', hasKeyImage: true, probability: 0.91 });
    h.part.recordFinding(finding);
    const entry = h.part.query.get(study.studyId)!;
    expect(entry.priority).to.include({ effective: 'stat', base: 'routine', raisedByAi: true });
    expect(entry.reason).to.deep.include({ findingId: finding.id, probability: 0.91, keyInstanceId: 'inst-1', hasKeyImage: true });
    expect(entry.reason!.model).to.deep.equal({ id: 'stroke', version: '1.0.0', deviceUid: '2.25.1234567890' });
    const raised = changesOf('priority-raised');
    expect(raised).to.have.length(1);
    expect(raised[0]).to.deep.include({ resourceType: 'study', resourceId: study.studyId });
    expect(raised[0]!.data).to.deep.equal({ findingId: finding.id, modelId: 'stroke', from: 'routine', to: 'stat' });
  });

  it('commits with the finding or not at all: a rolled-back finding transaction leaves no raise', () => {
    const study = seedStudy(h.index, 'b');
    // What triage's FindingStore does: its insert, then the transactional listeners, one transaction.
    expect(() =>
      h.db.transaction(() => {
        h.part.results.record(makeFinding(study));
        throw new Error('the finding insert failed after the listeners ran');
      })(),
    ).to.throw('finding insert failed');
    expect(h.part.query.get(study.studyId)!.priority.effective).to.equal('routine');
    expect(changesOf('priority-raised')).to.have.length(0);
  });

  it('never lowers a STAT order, and records no raise when the AI asks for less', () => {
    const study = seedStudy(h.index, 'c');
    h.part.orders.record([orderUpdate({ accession: study.accessionNumber, priority: 'stat' })], { messageType: 'ORM^O01', controlId: '1', at: h.clock.now() });
    h.part.recordFinding(makeFinding(study, { critical: false, priority: 'urgent' }));
    const entry = h.part.query.get(study.studyId)!;
    expect(entry.priority).to.include({ effective: 'stat', baseSource: 'order', ai: 'urgent', raisedByAi: false });
    expect(entry.reason).to.equal(null);
    expect(changesOf('priority-raised')).to.have.length(0);
  });

  it('a negative re-run of the same series and model withdraws the raise; the order stands', () => {
    const study = seedStudy(h.index, 'd');
    h.part.orders.record([orderUpdate({ accession: study.accessionNumber, priority: 'urgent' })], {
      messageType: 'ORM^O01',
      controlId: '1',
      at: h.clock.now(),
    });
    h.part.recordFinding(makeFinding(study));
    expect(h.part.query.get(study.studyId)!.priority.effective).to.equal('stat');
    h.part.recordFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.1 }));
    const entry = h.part.query.get(study.studyId)!;
    expect(entry.priority).to.include({ effective: 'urgent', baseSource: 'order', ai: null });
    expect(entry.findings).to.have.length(1);
    expect(entry.findings[0]!.positive).to.equal(false);
  });

  it('takes the same finding twice (transactional listener and committed event) once', () => {
    const study = seedStudy(h.index, 'e');
    const finding = makeFinding(study);
    h.part.recordFinding(finding);
    h.part.recordFinding(finding);
    expect(h.part.query.get(study.studyId)!.findings).to.have.length(1);
    expect(changesOf('priority-raised')).to.have.length(1);
  });

  it('announces the change after the commit, saying when a study became STAT', async () => {
    const study = seedStudy(h.index, 'f');
    const notices: WorklistNotice[] = [];
    h.part.live.subscribe({ notice: (n) => notices.push(n), end: () => undefined });
    h.db.transaction(() => {
      h.part.results.record(makeFinding(study));
      expect(notices, 'nothing before the commit').to.have.length(0);
    })();
    await settle();
    expect(notices).to.have.length(1);
    expect(notices[0]).to.include({ kind: 'finding', studyId: study.studyId, stat: true });
  });
});
