import path from 'node:path';
import { expect } from 'chai';
import { apiAs, type ApiClient } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { scopedPack } from '../helpers/triage.js';

/**
 * A model owner drops a pack into the site's `triage.modelsDir`: rules may name it at once, and may
 * not name a pack that only the repository's `models/` holds (the node would never run it).
 */
describe('rules: model names are checked against the packs of triage.modelsDir', () => {
  let node: TestNode;
  let work: string;
  let it_: ApiClient;

  before(async () => {
    work = makeTempDir();
    node = await startTestNode({ triage: { modelsDir: scopedPack(path.join(work, 'models'), 'site-ich', 'made at this site'), workers: 1 } });
    it_ = await apiAs(node, 'it');
  });
  after(async () => {
    await node?.dispose();
    if (work) removeDir(work);
  });

  const ruleFor = (model: string) => ({ rules: [{ id: 'site.head', when: { attr: 'Modality', equals: 'CT' }, then: { models: [model] } }] });

  it('accepts a rule that names a pack of the site folder', async () => {
    const res = await it_.put('/rules').send(ruleFor('site-ich')).expect(200);
    expect(res.body).to.deep.include({ changed: true });
  });

  it('refuses a rule that names a pack the node does not have, listing the ones it has', async () => {
    const res = await it_.put('/rules').send(ruleFor('stroke-ich')).expect(422);
    expect(res.body.errors).to.deep.equal([{ path: 'rules.0.then.models.0', message: 'unknown model stroke-ich; known models are site-ich' }]);
  });
});
