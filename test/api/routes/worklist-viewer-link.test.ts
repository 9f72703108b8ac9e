import { expect } from 'chai';
import { apiAs } from '../../helpers/api.js';
import { seedStudy } from '../../helpers/findings.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { configSchema } from '../../../src/config/schema.js';

describe('api/routes/worklist: the link to the site viewer (worklist.viewerUrlTemplate)', () => {
  let node: TestNode | undefined;
  afterEach(async () => {
    await node?.dispose();
    node = undefined;
  });

  it('gives each study its viewer URL, the UID put in the template', async () => {
    node = await startTestNode({ worklist: { viewerUrlTemplate: 'https://viewer.example.org/view?study={StudyInstanceUID}&src=vigil' } });
    const study = seedStudy(node.index, 'viewer-link');
    const radiologist = await apiAs(node, 'radiologist');
    const one = (await radiologist.get(`/worklist/${study.studyId}`).expect(200)).body;
    expect(one.viewerUrl).to.equal(`https://viewer.example.org/view?study=${study.studyInstanceUid}&src=vigil`);
    const list = (await radiologist.get('/worklist').expect(200)).body;
    expect(list.entries[0].viewerUrl).to.equal(one.viewerUrl);
  });

  it("gives no link to a site viewer when no template is configured; the node's own viewer is linked either way", async () => {
    node = await startTestNode();
    const study = seedStudy(node.index, 'no-viewer-link');
    const one = (await (await apiAs(node, 'radiologist')).get(`/worklist/${study.studyId}`).expect(200)).body;
    expect(one.viewerUrl).to.equal(null);
    // OHIF's route for one study, under /viewer/ (test/api/viewer/ohif-viewer.test.ts opens it).
    expect(one.studyViewerUrl).to.equal(`/viewer/viewer?StudyInstanceUIDs=${study.studyInstanceUid}`);
  });

  it('refuses a template without the placeholder, or that is not an http(s) URL, naming the key', () => {
    for (const viewerUrlTemplate of ['https://viewer.example.org/view', 'javascript:alert({StudyInstanceUID})']) {
      const result = configSchema.safeParse({ worklist: { viewerUrlTemplate } });
      expect(result.success, viewerUrlTemplate).to.equal(false);
      expect(result.error!.issues[0]!.path).to.deep.equal(['worklist', 'viewerUrlTemplate']);
    }
  });
});
