import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { requireTool } from '../helpers/tools.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MB = 1024 * 1024;

describe('store: the free-space floor (storage.minFreeMb) on a small disk', function () {
  let disk: SmallDisk;
  let node: TestNode | undefined;
  let work: string;

  beforeEach(function () {
    requireTool(this, 'storescu', 'dcmtk');
    disk = mountSmallDisk(this, 40);
    work = makeTempDir();
  });
  afterEach(async () => {
    await node?.stop();
    node = undefined;
    disk?.unmount();
    removeDir(work);
  });

  it('counts the bytes a fast push writes against the floor: refuses before it, never overshoots to ENOSPC', async () => {
    node = await startTestNode({ storage: { minFreeMb: 36 } }, { dataDir: path.join(disk.dir, 'data') });
    // 30 slices of 512 x 512 (about 0.5 MB each, 15 MB) in one association, faster than any
    // cached look at the disk: only about 3 MB fit above the floor.
    const files = writeSeries(work, { slices: 30, rows: 512, columns: 512 });
    const result = await storescu(node.dicom.port, files);
    const { success, failed } = storeResponses(result);
    // storescu stops at the first refusal (Refused: OutOfResources, 0xA700).
    expect(failed, 'what does not fit above the floor is refused').to.equal(1);
    expect(success, 'what fits is stored').to.be.greaterThan(0);
    expect(result.stdout + result.stderr).to.match(/Received Store Response \(Refused: OutOfResources\)/);
    // Files stay above the floor; the index's few pages per instance are the only slack.
    expect(disk.freeBytes()).to.be.greaterThan(36 * MB - 1 * MB);
    // Every acknowledged instance is indexed with its file; nothing refused is left behind.
    const instances = node.index.listIds('instances', 0, 100);
    expect(instances).to.have.length(success);
    for (const id of instances) expect(fs.existsSync(node.files.absolutePath(node.index.getInstance(id)!.filePath))).to.equal(true);
    expect(fs.readdirSync(node.files.tmpDir)).to.deep.equal([]);
    expect(node.logs.text()).to.not.match(/ENOSPC/);
  });
});
