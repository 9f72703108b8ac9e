import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { preprocessSeries } from '../../src/triage/pipeline/preprocess.js';
import { readManifest } from '../../src/triage/manifest-file.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { TEST_PACKS } from '../helpers/triage.js';

function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/cli/vigil.mjs', ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('cli/triage preprocess: the tensors model owners train on', function () {
  this.timeout(60_000);
  let work: string;
  beforeEach(() => (work = makeTempDir()));
  afterEach(() => removeDir(work));

  it('writes the same float32 tensor as preprocessSeries, and its description', async () => {
    const dir = path.join(work, 'series');
    writeSlices(
      dir,
      { seed: 'cli', rows: 16, columns: 16, intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: (r: number) => 1000 + 10 * r + k })),
    );
    const manifestFile = path.join(TEST_PACKS, 'test-volume', 'manifest.json');
    const out = path.join(work, 'case.f32');
    const result = await vigil(['triage', 'preprocess', '--manifest', manifestFile, '--out', out, dir]);
    expect(result.code, result.stderr).to.equal(0);
    const expected = await preprocessSeries(
      fs
        .readdirSync(dir)
        .sort()
        .map((f) => path.join(dir, f)),
      readManifest(manifestFile),
    );
    expect(fs.readFileSync(out).equals(Buffer.from(expected.tensor.buffer))).to.equal(true);
    const description = JSON.parse(fs.readFileSync(path.join(work, 'case.json'), 'utf8'));
    expect(description.shape).to.deep.equal([1, 1, 4, 16, 16]);
    expect(description.sources).to.have.length(4);
  });

  it('names what is wrong with a manifest', async () => {
    const bad = path.join(work, 'manifest.json');
    fs.writeFileSync(bad, JSON.stringify({ schemaVersion: 1, id: 'x' }));
    const result = await vigil(['triage', 'preprocess', '--manifest', bad, '--out', path.join(work, 'x.f32'), work]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.match(/manifest is invalid: .*deviceUid/);
  });
});
