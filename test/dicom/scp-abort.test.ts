import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { requireTool } from '../helpers/tools.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { eventually } from '../helpers/eventually.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/**
 * An SCU that aborts (PS3.8 9.3.8, A-ABORT from the service user) must find the connection
 * closed at once (state table AA-3): storescu waits for the SCP to close it, and stood 30 s
 * against Vigil when a folder held one non-DICOM file, against 0.2 s with DCMTK's storescp.
 */
describe('dicom/scp: an A-ABORT from the SCU closes the connection', function () {
  // The guard: storescu against an SCP that keeps the connection waits 30 s, past this.
  this.timeout(15_000);
  let node: TestNode;
  let work: string;

  beforeEach(async () => {
    node = await startTestNode();
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('lets storescu exit at once when a non-DICOM file in its folder makes it abort, keeping what was acknowledged', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const folder = path.join(work, 'series');
    writeSeries(folder, { slices: 2, seed: 'abort' });
    // Beside the slices, as a label file sits beside phantom slices: storescu aborts on it.
    fs.writeFileSync(path.join(folder, 'label.json'), '{"label": "not DICOM"}\n');
    const result = await storescu(node.dicom.port, ['+sd', folder]);
    const text = result.stdout + result.stderr;
    expect(result.code, text).to.not.equal(0);
    expect(text).to.match(/Aborting Association/);
    // Whatever was acknowledged before the abort is kept (the folder's order decides how much).
    expect(node.index.count('instances')).to.equal(storeResponses(result).success);
    await eventually(() => node.dicom.activeAssociations === 0, 'the association slot freed');
  });
});
