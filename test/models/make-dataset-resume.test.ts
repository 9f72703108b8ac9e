import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** Runs models/train/make-dataset.ts on the first studies of pneumothorax-cxr's training split (half-size radiographs). */
function makeDataset(out: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'models/train/make-dataset.ts', '--pack', 'pneumothorax-cxr', '--split', 'train', '--out', out, ...args],
      { timeout: 240_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, 'shard-0', file));
const seeds = (dir: string) =>
  read(dir, 'labels.jsonl')
    .toString()
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { seed: number }).seed);

describe('models: make-dataset.ts --resume continues a stopped shard (hours of drawing survive a stop)', function () {
  this.timeout(600_000);
  let tmp: string;
  before(() => {
    tmp = makeTempDir();
  });
  after(() => removeDir(tmp));

  it('keeps the complete studies, cuts off a partly written one, and gives the files a run never stopped gives', async () => {
    const whole = path.join(tmp, 'whole');
    const stopped = path.join(tmp, 'stopped');
    await makeDataset(whole, '--limit', '3');
    await makeDataset(stopped, '--limit', '2');
    // A stop in the middle of study 3: part of its pixels written, its label line cut short.
    fs.appendFileSync(path.join(stopped, 'shard-0', 'img.u16'), Buffer.alloc(1000, 7));
    fs.appendFileSync(path.join(stopped, 'shard-0', 'labels.jsonl'), '{"study":"pneumothorax-cxr-train-0');
    const log = await makeDataset(stopped, '--limit', '3', '--resume');
    expect(log).to.match(/resuming after 2 studies/);
    for (const file of ['img.u16', 'mask.u8', 'labels.jsonl']) expect(read(stopped, file).equals(read(whole, file)), file).to.equal(true);
    expect(seeds(stopped)).to.deep.equal([900000, 900001, 900002]);
  });

  it('starts afresh when resumed under another sharding: a shard then holds other studies', async () => {
    const dir = path.join(tmp, 'resharded');
    await makeDataset(dir, '--limit', '2');
    const log = await makeDataset(dir, '--limit', '3', '--shard', '0/2', '--resume');
    expect(log).to.not.match(/resuming/);
    expect(seeds(dir)).to.deep.equal([900000, 900002]);
  });
});
