import fs from 'node:fs';
import { expect } from 'chai';
import { apiAs } from '../../helpers/api.js';
import { storescu } from '../../helpers/dcmtk.js';
import { writeEditedSeries } from '../../helpers/rule-headers.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';

/**
 * An admin deletes a study (sent to the wrong patient, say) and the node stops before the files
 * are gone: the next start must not index them again. The study stays deleted.
 */
describe('api/routes/resources: a deletion survives a stop between the index commit and the files', () => {
  let node: TestNode | undefined;
  let dir: string;
  let dataDir: string;

  before(function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'dcmodify', 'dcmtk');
    dir = makeTempDir();
    dataDir = makeTempDir();
  });
  after(async () => {
    await node?.stop();
    removeDir(dir);
    removeDir(dataDir);
  });

  it('removes the listed files at the next start instead of indexing them again', async () => {
    node = await startTestNode({}, { dataDir });
    const files = writeEditedSeries(dir, 'ctpa', { set: {} }, { slices: 2 });
    expect((await storescu(node.dicom.port, files)).code).to.equal(0);
    const [studyId] = node.index.listIds('studies', 0, 10);
    const stored = node.index.instancesUnder('studies', studyId!).map((i) => node!.files.absolutePath(i.filePath));
    expect(stored).to.have.length(2);

    // The process stops right after the commit: no file is removed.
    const stopped = new Error('the process stopped here');
    node.index.pendingRemovals.removeNow = () => {
      throw stopped;
    };
    node.files.remove = () => Promise.reject(stopped);
    const admin = await apiAs(node, 'admin');
    await admin.delete(`/studies/${studyId}`).expect(200);
    expect(
      stored.filter((f) => fs.existsSync(f)),
      'the files outlived the rows',
    ).to.have.length(2);
    await node.stop();

    node = await startTestNode({}, { dataDir });
    expect(node.index.listIds('studies', 0, 10), 'the deleted study came back').to.deep.equal([]);
    expect(stored.filter((f) => fs.existsSync(f))).to.deep.equal([]);
  });
});
