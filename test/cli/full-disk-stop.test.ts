import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

/** `vigil start` on a disk that fills up while it runs, then SIGTERM. */
describe('cli: SIGTERM on a full disk', function () {
  this.timeout(120_000);
  let work: string;
  let disk: SmallDisk | undefined;
  let node: NodeProcess | undefined;
  beforeEach(() => (work = makeTempDir()));
  afterEach(async () => {
    if (node && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    node = undefined;
    disk?.unmount();
    disk = undefined;
    removeDir(work);
  });

  it('stops cleanly (exit 0, no "the stop failed") and keeps every acknowledged instance', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    disk = mountSmallDisk(this, 40);
    const dataDir = path.join(disk.dir, 'data');
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      `storage:\n  minFreeMb: 0\nplugins:\n  enabled: []\ntriage:\n  modelsDir: ${JSON.stringify(path.join(work, 'models'))}\nseries:\n  idleSeconds: 0.5\n  useCounts: false\n`,
    );
    node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
    const files = writeSeries(path.join(work, 'series'), { slices: 4, rows: 256, columns: 256 });
    expect(storeResponses(await storescu(node.dicomPort, files)).success).to.equal(4);

    disk.fill();
    // The idle window closes on the full disk: the tracker cannot write it down, and backs off.
    await node.waitForOutput(/series tracker failed to declare idle series: retrying later/);
    node.child.kill('SIGTERM');
    const code = await node.exited;
    const output = node.output();
    expect(output).to.not.match(/the stop failed/);
    expect(code, output.slice(-3000)).to.equal(0);
    expect(output).to.match(/Vigil stopped/);

    disk.unfill();
    const db = openDatabase(indexPath(dataDir));
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM instances').get() as { n: number }).n).to.equal(4);
    } finally {
      db.close();
    }
  });
});
