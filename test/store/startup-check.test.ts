import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { asTestNode, startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/node.js';
import dimse from '../../src/dicom/net/dimse.js';
import { retireOwner } from '../../src/store/owner.js';

describe('store/startup-check: the store and the index agree before anything is accepted', function () {
  this.timeout(30_000);
  let node: TestNode;
  let work: string;

  beforeEach(async () => {
    node = await startTestNode();
    work = makeTempDir();
    const files = writeSeries(work, { slices: 3, seed: 'repair' });
    for (const f of files) await sendWithDimseClient(node.dicom.port, dimse.Dataset.fromFile(f)!.getElements());
  });
  afterEach(() => removeDir(work));

  async function restartAfterCrash(): Promise<TestNode['startup']> {
    // Simulate an unclean stop: close the parts but leave the running marker in place.
    await node.dicom.stop();
    await node.http.stop();
    node.db.close();
    // The crashed node is gone: its running marker and temp files are no live node's now.
    retireOwner(node.files.owner);
    const config = configSchema.parse({ ...node.config, dicom: { ...node.config.dicom, port: 0 }, http: { ...node.config.http, port: 0 } });
    const again = await startNode(config, { log: silentLogger() });
    const report = again.startup;
    node = asTestNode(again, node.dataDir, node.logs);
    return report;
  }

  it('removes temp files, drops rows whose file is gone, re-indexes files without rows, quarantines garbage', async () => {
    const rows = node.index.allFilePaths();
    expect(rows).to.have.length(3);
    fs.writeFileSync(path.join(node.files.tmpDir, 'half.part'), 'partial');
    fs.rmSync(node.files.absolutePath(rows[0]!.filePath));
    node.db.prepare('DELETE FROM instances WHERE id = ?').run(rows[1]!.id);
    const garbage = node.files.absolutePath('ff/ff/ffffffff-ffffffff-ffffffff-ffffffff-ffffffff.dcm');
    fs.mkdirSync(path.dirname(garbage), { recursive: true });
    fs.writeFileSync(garbage, 'not dicom');

    const report = await restartAfterCrash();
    expect(report).to.deep.equal({
      uncleanShutdown: true,
      tempFilesRemoved: 1,
      rowsWithoutFileRemoved: 1,
      filesReindexed: 1,
      filesQuarantined: 1,
      retentionRemovalsFinished: 0,
    });
    expect(node.index.count('instances')).to.equal(2);
    expect(node.index.getInstance(rows[1]!.id)?.callingAeTitle).to.equal('DIMSECLIENT');
    expect(fs.existsSync(path.join(node.dataDir, 'quarantine', path.basename(garbage)))).to.equal(true);
    await node.dispose();
  });

  it('skips the full scan after a clean stop', async () => {
    await node.stop();
    const config = configSchema.parse({ ...node.config, dicom: { ...node.config.dicom, port: 0 }, http: { ...node.config.http, port: 0 } });
    const again = await startNode(config, { log: silentLogger() });
    expect(again.startup.uncleanShutdown).to.equal(false);
    await again.stop();
    removeDir(node.dataDir);
  });
});
