import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { requireTool } from '../helpers/tools.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { readHeader } from '../../src/dicom/data/header.js';

/** A storescu run whose output is parsed into the files it saw acknowledged with Success. */
function pushInBackground(port: number, files: string[]) {
  const child = spawn('storescu', ['-v', '-aec', 'VIGIL', '127.0.0.1', String(port), ...files], {
    env: { ...process.env, TCP_NODELAY: '1' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    done,
    acknowledged(): string[] {
      const acked: string[] = [];
      let current: string | undefined;
      for (const line of out.split('\n')) {
        const sending = /Sending file: (.+)$/.exec(line);
        if (sending) current = sending[1]!.trim();
        if (/Received Store Response \(Success\)/.test(line) && current) acked.push(current);
      }
      return acked;
    },
  };
}

describe('store: kill -9 during four parallel pushes loses nothing acknowledged', function () {
  this.timeout(120_000);
  let work: string;
  let dataDir: string;

  beforeEach(() => {
    work = makeTempDir();
    dataDir = path.join(work, 'data');
  });
  afterEach(() => removeDir(work));

  // 0: the default (groups what is ready at once); 20: groups held open 20 ms, so that the kill
  // lands while instances wait in a group, flushed or not, indexed or not, none acknowledged.
  for (const groupCommitMs of ['0', '20']) {
    it(`keeps every acknowledged instance readable and leaves no temp file or orphan row (storage.groupCommitMs ${groupCommitMs})`, async function () {
      requireTool(this, 'storescu', 'dcmtk');
      const batches = [0, 1, 2, 3].map((i) => writeSeries(path.join(work, `batch${i}`), { slices: 80, rows: 256, columns: 256, seed: `crash-${i}` }));
      const node = await startNodeProcess(dataDir, { VIGIL_GROUP_COMMIT_MS: groupCommitMs });
      const pushes = batches.map((files) => pushInBackground(node.dicomPort, files));
      const deadline = Date.now() + 60_000;
      while (pushes.reduce((n, p) => n + p.acknowledged().length, 0) < 60) {
        if (Date.now() > deadline) throw new Error(`pushes too slow: ${node.output().slice(-1000)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      node.child.kill('SIGKILL');
      await node.exited;
      await Promise.all(pushes.map((p) => p.done));
      const acknowledged = pushes.flatMap((p) => p.acknowledged());
      const total = batches.flat().length;
      expect(acknowledged.length, 'the kill must land mid-push').to.be.below(total);

      // Restart on the same data folder: the start-up check runs before anything is accepted.
      const restarted = await startNodeProcess(dataDir);
      expect(restarted.output()).to.match(/start-up check repaired the store/);
      expect(restarted.output()).to.match(/"uncleanShutdown":true/);
      restarted.child.kill('SIGTERM');
      await restarted.exited;

      expect(fs.readdirSync(path.join(dataDir, 'tmp'))).to.deep.equal([]);
      const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
      try {
        const rows = db.prepare('SELECT sop_instance_uid AS uid, file_path AS file FROM instances').all() as { uid: string; file: string }[];
        const stored = new Map(rows.map((r) => [r.uid, path.join(dataDir, 'store', r.file)]));
        for (const file of stored.values()) expect(fs.existsSync(file), `row without file: ${file}`).to.equal(true);
        const onDisk = fs.readdirSync(path.join(dataDir, 'store'), { recursive: true }).filter((f) => String(f).endsWith('.dcm'));
        expect(onDisk.length, 'files without rows').to.equal(rows.length);
        for (const sent of acknowledged) {
          const uid = String((await readHeader(sent)).attrs.SOPInstanceUID);
          const file = stored.get(uid);
          expect(file, `acknowledged instance lost: ${path.basename(sent)}`).to.be.a('string');
          const header = await readHeader(file!);
          expect(header.attrs.SOPInstanceUID).to.equal(uid);
          expect(fs.statSync(file!).size).to.be.greaterThan(256 * 256 * 2);
        }
      } finally {
        db.close();
      }
    });
  }
});
