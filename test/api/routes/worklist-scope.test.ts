import path from 'node:path';
import { expect } from 'chai';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { scopedPack } from '../../helpers/triage.js';

const SCOPE = 'made for central emboli only: a negative result does not rule out pulmonary embolism';

describe("api/routes/worklist: a pack's finding.scope beside each of its results", () => {
  let node: TestNode;
  let work: string;
  let radiologist: ApiClient;

  before(async () => {
    work = makeTempDir();
    node = await startTestNode({ triage: { modelsDir: scopedPack(path.join(work, 'models'), 'test-volume', SCOPE), workers: 1 } });
    radiologist = await apiAs(node, 'radiologist');
  });
  after(async () => {
    await node?.dispose();
    if (work) removeDir(work);
  });

  it('gives the scope with a result of the installed version, negatives included, and none with another version', async () => {
    const current = seedStudy(node.index, 'scope-current');
    const older = seedStudy(node.index, 'scope-older');
    const negative = makeFinding(current, {
      modelId: 'test-volume',
      modelVersion: '1.0.0',
      positive: false,
      critical: false,
      priority: 'routine',
      probability: 0.04,
    });
    node.triage.findings.record(negative, null, () => true);
    node.triage.findings.record(makeFinding(older, { modelId: 'test-volume', modelVersion: '0.9.0' }), null, () => true);

    const shown = (await radiologist.get(`/worklist/${current.studyId}`).expect(200)).body;
    expect(shown.findings[0].model).to.include({ id: 'test-volume', version: '1.0.0', scope: SCOPE });
    const other = (await radiologist.get(`/worklist/${older.studyId}`).expect(200)).body;
    expect(other.findings[0].model).to.not.have.property('scope');
    const list = (await radiologist.get('/worklist').expect(200)).body;
    const entry = list.entries.find((e: { studyId: string }) => e.studyId === older.studyId);
    expect(entry.reason.model).to.not.have.property('scope');
  });
});
