import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { writeSlices, type SliceSpec } from '../helpers/pixel-fixtures.js';
import { startTestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { copyPacks } from '../helpers/triage.js';

/** A labelled study folder (as `vigil evaluate --studies` reads them): 4 slices, a square of `hu` on one. */
function labelled(root: string, name: string, hu: number, positive: boolean): void {
  const slices: SliceSpec[] = Array.from({ length: 4 }, (_, k) => ({
    position: [0, 0, 5 * k],
    value: (r, c) => 1024 + (k === 1 && r >= 8 && r < 16 && c >= 8 && c < 16 ? hu : 40),
  }));
  writeSlices(path.join(root, name), { seed: name, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 }, slices);
  fs.writeFileSync(path.join(root, name, 'label.json'), JSON.stringify({ positive }));
}

describe('cli/calibrate: a site operating point from labelled local studies', function () {
  this.timeout(120_000);
  let work: string;
  let dataDir: string;
  let models: string;
  let configFile: string;

  before(async () => {
    work = makeTempDir();
    dataDir = path.join(work, 'data');
    models = copyPacks(path.join(work, 'models'), ['test-volume']);
    configFile = path.join(work, 'vigil.json');
    fs.writeFileSync(configFile, JSON.stringify({ triage: { calibration: { minPositives: 3, minNegatives: 3 } } }));
    // A node has run on the data folder: its index exists.
    const node = await startTestNode({ triage: { modelsDir: models, workers: 1 } }, { dataDir });
    await node.stop();
    for (const [i, hu] of [40, 50, 56].entries()) labelled(path.join(work, 'set'), `normal-${i}`, hu, false);
    for (const [i, hu] of [72, 80, 200].entries()) labelled(path.join(work, 'set'), `bleed-${i}`, hu, true);
  });
  after(() => removeDir(work));

  function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['src/cli/vigil.mjs', ...args],
        { env: { ...process.env, VIGIL_CONFIG: configFile, VIGIL_DATA_DIR: dataDir, VIGIL_MODELS_DIR: models }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  it('scores the folders with the installed pack, proposes with counts and intervals, applies, and refuses bad input', async () => {
    const proposed = await vigil(['calibrate', 'test-volume', '--target-sensitivity', '1', '--labelled', path.join(work, 'set'), '--json']);
    expect(proposed.code, proposed.stderr).to.equal(0);
    const p = JSON.parse(proposed.stdout);
    expect(p).to.include({ from: 'labelled', positives: 3, negatives: 3, excluded: 0, modelId: 'test-volume' });
    expect(p.sensitivity).to.include({ count: 3, total: 3 });
    expect(p.specificity).to.include({ count: 3, total: 3 });

    const applied = await vigil(['calibrate', 'test-volume', '--target-sensitivity', '1', '--labelled', path.join(work, 'set'), '--apply']);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stdout).to.match(/applied: site operating point v1 decides test-volume 1\.0\.0 from its next finding/);
    const shown = await vigil(['models', 'show', 'test-volume']);
    expect(shown.stdout).to.match(/operating point in force: site v1, threshold 0\.\d+/);

    expect((await vigil(['calibrate', 'test-volume', '--target-sensitivity', '1.5'])).stderr).to.match(/expected a number above 0 and at most 1/);
    const missing = await vigil(['calibrate', 'nope', '--target-sensitivity', '0.9']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/no model pack "nope"/);
    const badRollback = await vigil(['calibrate', 'test-volume', '--rollback', 'latest']);
    expect(badRollback.stderr).to.match(/"latest" is not a version number/);

    const db = openDatabase(indexPath(dataDir));
    try {
      const trail = new AuditTrail(db)
        .list({ since: 0, limit: 100 })
        .entries.filter((e) => e.method === 'CLI')
        .map((e) => [e.route, e.status]);
      expect(trail).to.deep.equal([
        ['vigil calibrate --apply', 200],
        ['vigil calibrate --rollback', 400],
      ]);
    } finally {
      db.close();
    }
  });
});
