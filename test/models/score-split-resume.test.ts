import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** Runs models/train/score-split.ts with the shipped pneumothorax-cxr pack on the first studies of its shifted split. */
function scoreSplit(out: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'models/train/score-split.ts', '--pack', 'pneumothorax-cxr', '--split', 'shifted', '--out', out, ...args],
      { timeout: 240_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

const csvRows = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'scores-shifted-0.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
const modelSha = () => (JSON.parse(fs.readFileSync('models/pneumothorax-cxr/manifest.json', 'utf8')) as { model: { sha256: string } }).model.sha256;
/** A stopped run's partial file: study 0 scored 0.123 (a value the model does not give it, to see it kept). */
function stoppedRun(dir: string, head: object): void {
  fs.mkdirSync(dir, { recursive: true });
  const row = { study: 'pneumothorax-cxr-shifted-00000', label: 1, score: 0.123, subgroups: { vendor: 'delta' } };
  fs.writeFileSync(path.join(dir, 'scores-shifted-0.partial.jsonl'), `${JSON.stringify(head)}\n${JSON.stringify(row)}\n{"study":"pneumothorax-cxr-shi`);
}

describe('models: score-split.ts --resume keeps what a stopped run scored with the same model', function () {
  this.timeout(600_000);
  let tmp: string;
  before(() => {
    tmp = makeTempDir();
  });
  after(() => removeDir(tmp));

  it('keeps the rows of the same model and sharding, drops a cut-off line, scores the rest; another model starts afresh', async () => {
    const whole = path.join(tmp, 'whole');
    await scoreSplit(whole, '--limit', '2');
    const [first, second] = csvRows(whole) as [string[], string[]];
    expect(first[0]).to.equal('pneumothorax-cxr-shifted-00000');
    expect(Number(first[2])).to.not.equal(0.123);

    const same = path.join(tmp, 'same');
    stoppedRun(same, { model: modelSha(), shards: 1 });
    expect(await scoreSplit(same, '--limit', '2', '--resume')).to.match(/resuming after 1 studies/);
    const resumed = csvRows(same);
    expect(resumed.map((r) => r[0])).to.deep.equal([first[0], second[0]]);
    expect(resumed[0]![2]).to.equal('0.123');
    expect(resumed[1]![2]).to.equal(second[2]);
    expect(fs.existsSync(path.join(same, 'scores-shifted-0.partial.jsonl'))).to.equal(false);

    const other = path.join(tmp, 'other');
    stoppedRun(other, { model: '0'.repeat(64), shards: 1 });
    expect(await scoreSplit(other, '--limit', '1', '--resume')).to.not.match(/resuming/);
    expect(csvRows(other)[0]![2]).to.equal(first[2]);
  });
});
