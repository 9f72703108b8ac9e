import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { writeEditedSeries } from '../helpers/rule-headers.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/cli/vigil.mjs', ...args], { env: { ...process.env, VIGIL_CONFIG: '' }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('cli/rules: check and explain', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = makeTempDir();
  });
  after(() => removeDir(dir));

  it('check: lists the order in force, or every error with its path and exit 1', async () => {
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, 'rules:\n  - id: site.skip-research\n    when: { attr: association.callingAeTitle, equals: RESEARCH }\n    stop: true\n');
    const ok = await vigil(['rules', 'check', good]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.include('OK, 4 rules in this order:');
    expect(ok.stdout).to.include('site.skip-research (site) [stop]: run no model');

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'rules:\n  - id: x\n    when: { attr: SliceThicknes, range: { max: 3 } }\n    then: { priority: soon }\n');
    const refused = await vigil(['rules', 'check', bad]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('rules.0.when.attr: unknown DICOM keyword "SliceThicknes" (did you mean SliceThickness?)');
    expect(refused.stderr).to.include('rules.0.then.priority');
  });

  it('explain: groups files into series and says why each rule matches or not', async function () {
    requireTool(this, 'dcmodify', 'dcmtk');
    const study = path.join(dir, 'study');
    writeEditedSeries(study, 'head', { set: { '(0018,0015)': 'HEAD', '(0010,1010)': '071Y' } }, { slices: 3 });
    writeEditedSeries(study, 'thick', { set: { '(0018,0015)': 'HEAD', '(0018,0050)': '7.5' } }, { slices: 2 });
    const rules = path.join(dir, 'age.yaml');
    fs.writeFileSync(
      rules,
      "rules:\n  - id: site.elderly\n    when: { attr: PatientAge, matches: '^0[7-9]' }\n    then: { models: [stroke-ich], priority: stat }\n",
    );
    const res = await vigil(['rules', 'explain', rules, study]);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout.match(/^series /gm)).to.have.length(2);
    expect(res.stdout).to.include('(3 files)');
    expect(res.stdout).to.include('✓ stroke.ncct-head: match: all 8 conditions hold');
    expect(res.stdout).to.include('✗ stroke.ncct-head: no match: SliceThickness is 7.5, the rule wants ≤ 5');
    expect(res.stdout).to.include('routing: run stroke-ich (stat, rule site.elderly)');
    expect(res.stdout).not.to.include('071Y');
  });
});
