import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import dimse from '../../src/dicom/net/dimse.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { pausingProxy } from '../helpers/dicom-bytes.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { eventually } from '../helpers/eventually.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const HOST = os.hostname().replace(/[^A-Za-z0-9.-]/g, '-');

/**
 * Two receiving nodes (processes) on one data folder: the file store's rules hold between them.
 * Temp names are their writer's own; one node's start-up check never removes a temp file another
 * live node is writing; the same instance sent to both at once is stored once, whole.
 */
describe('cluster: receiving nodes sharing one data folder', function () {
  this.timeout(120_000);
  let work: string;
  let dataDir: string;
  let configFile: string;
  const nodes: NodeProcess[] = [];

  beforeEach(() => {
    work = makeTempDir();
    dataDir = path.join(work, 'data');
    configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, YAML.stringify({ dicom: { transferSyntaxes: ['1.2.840.10008.1.2.1'] }, storage: { minFreeMb: 0 } }));
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      if (node.child.exitCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    removeDir(work);
  });

  const receiver = async (): Promise<NodeProcess> => {
    const node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile, VIGIL_ROLES: 'dicom' });
    nodes.push(node);
    return node;
  };
  const tmpFiles = (): string[] => fs.readdirSync(path.join(dataDir, 'tmp'));

  it("a node's start-up check leaves another live node's temp file alone and removes only leftovers", async () => {
    const first = await receiver();
    const [big] = writeSeries(path.join(work, 'big'), { slices: 1, rows: 1024, columns: 1024, seed: 'paused' }) as [string];
    // The first node is in the middle of an instance: 300 kB of 2 MB written to its temp file.
    const proxy = await pausingProxy(first.dicomPort, 300_000);
    try {
      const sending = sendWithDimseClient(proxy.port, dimse.Dataset.fromFile(big)!.getElements());
      const [inFlight] = await eventually(() => (tmpFiles().length > 0 ? tmpFiles() : undefined), "the first node's temp file");
      expect(inFlight, 'named after its writer: host, pid, nonce, counter').to.match(
        new RegExp(`^${HOST.replace(/\./g, '\\.')}_${first.child.pid}_[0-9a-f]{8}_\\d+\\.part$`),
      );

      // Leftovers of nodes that are gone, and a fresh file of a node on another host.
      const dead = spawnSync('true').pid; // a pid that has just ended on this host
      const tmp = path.join(dataDir, 'tmp');
      const leftovers = [`${HOST}_${dead}_0123abcd_1.part`, 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6.part', 'other-host_7_89abcdef_3.part'];
      for (const name of leftovers) fs.writeFileSync(path.join(tmp, name), 'partial');
      const anHourAgo = new Date(Date.now() - 3_600_000);
      fs.utimesSync(path.join(tmp, 'other-host_7_89abcdef_3.part'), anHourAgo, anHourAgo);
      fs.writeFileSync(path.join(tmp, 'other-host_9_76543210_1.part'), 'another host, being written');

      const second = await receiver();
      expect(second.output()).to.match(/"tempFilesRemoved":3/);
      expect(tmpFiles().sort()).to.deep.equal([inFlight, 'other-host_9_76543210_1.part'].sort());
      expect(second.output(), 'the first node runs: its marker is no unclean stop').to.match(/"uncleanShutdown":false/);

      proxy.resume();
      const sent = await sending;
      expect(sent.status, 'the instance the check did not touch is stored').to.equal(0);
    } finally {
      proxy.close();
    }
    const db = openDatabase(indexPath(dataDir));
    try {
      const rows = db.prepare('SELECT file_path AS filePath, file_size AS size FROM instances').all() as { filePath: string; size: number }[];
      expect(rows).to.have.length(1);
      const stored = path.join(dataDir, 'store', rows[0]!.filePath);
      expect(fs.statSync(stored).size).to.equal(rows[0]!.size);
      const pixels = (file: string): Buffer => fs.readFileSync(file).subarray(-1024 * 1024 * 2);
      expect(pixels(stored).equals(pixels(big)), 'whole, byte for byte').to.equal(true);
    } finally {
      db.close();
    }
  });

  it('the same series sent to two nodes at once is stored once, every file whole, no temp file left', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const [a, b] = [await receiver(), await receiver()];
    const files = writeSeries(path.join(work, 'same'), { slices: 12, rows: 256, columns: 256, seed: 'same-at-once' });
    const results = await Promise.all([storescu(a.dicomPort, files), storescu(b.dicomPort, files)]);
    for (const r of results)
      expect(storeResponses(r), `${r.stderr}\n${a.output().slice(-3000)}\n${b.output().slice(-3000)}`).to.deep.equal({ success: 12, failed: 0 });
    const db = openDatabase(indexPath(dataDir));
    try {
      const rows = db.prepare('SELECT file_path AS filePath, file_size AS size FROM instances').all() as { filePath: string; size: number }[];
      expect(rows).to.have.length(12);
      const tail = 256 * 256 * 2;
      const sources = files.map((f) => fs.readFileSync(f).subarray(-tail));
      for (const row of rows) {
        const stored = fs.readFileSync(path.join(dataDir, 'store', row.filePath));
        expect(stored.length).to.equal(row.size);
        expect(
          sources.some((s) => s.equals(stored.subarray(-tail))),
          row.filePath,
        ).to.equal(true);
      }
    } finally {
      db.close();
    }
    expect(tmpFiles()).to.deep.equal([]);
  });
});
