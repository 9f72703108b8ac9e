import { expect } from 'chai';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';

describe("worklist: the priority raise commits with the finding in triage's FindingStore", () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node?.dispose());

  const raised = (findingId: string) => node.db.prepare('SELECT COUNT(*) AS n FROM worklist_findings WHERE finding_id = ?').get(findingId);

  it('a stored finding raises its study in the same transaction', () => {
    const study = seedStudy(node.index, 'tx-ok');
    const finding = makeFinding(study);
    expect(node.triage.findings.record(finding, null, () => true)).to.equal(true);
    expect(raised(finding.id)).to.deep.equal({ n: 1 });
    expect(node.worklist.query.get(study.studyId)!.priority).to.include({ effective: 'stat', raisedByAi: true });
  });

  it('a finding that does not commit leaves no raise behind', () => {
    const study = seedStudy(node.index, 'tx-fail');
    const finding = makeFinding(study);
    // A listener registered after the worklist's fails: the whole transaction rolls back.
    const off = node.triage.findings.addTransactionalListener(() => {
      throw new Error('a later listener failed');
    });
    try {
      expect(() => node.triage.findings.record(finding, null, () => true)).to.throw('a later listener failed');
    } finally {
      off();
    }
    expect(raised(finding.id)).to.deep.equal({ n: 0 });
    expect(node.worklist.query.get(study.studyId)!.priority.effective).to.equal('routine');
  });
});
