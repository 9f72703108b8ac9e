import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Command } from 'commander';
import { registerEvaluate } from '../../src/cli/commands/evaluate.js';
import { isVigilError } from '../../src/core/errors.js';
import { parseScores, scoresToCsv } from '../../src/triage/evaluation/scores.js';
import { findLabelledStudies } from '../../src/triage/evaluation/labelled-studies.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const CSV = [
  'study,label,score,vendor',
  'p0,1,0.9,alpha',
  'p1,positive,0.8,alpha',
  '"p,2",1,0.6,beta',
  'p3,1,0.4,beta',
  'n0,0,0.7,alpha',
  'n1,negative,0.5,alpha',
  'n2,0,0.4,beta',
  'n3,0,0.3,beta',
  'n4,0,0.2,beta',
  'n5,false,0.1,beta',
].join('\r\n');

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerEvaluate(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (c: string) => chunks.push(String(c)) > 0;
  try {
    await program.parseAsync(['node', 'vigil', 'evaluate', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

describe('evaluate: CSV and the vigil evaluate command', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => removeDir(tmp));

  it('reads study, label and score, quoted fields and CRLF; other columns are subgroups', () => {
    const rows = parseScores(CSV);
    expect(rows).to.have.length(10);
    expect(rows[2]).to.deep.equal({ study: 'p,2', label: 1, score: 0.6, subgroups: { vendor: 'beta' } });
    expect(parseScores(scoresToCsv(rows))).to.deep.equal(rows);
  });

  it('refuses a CSV without the needed columns or with a bad label', () => {
    for (const bad of ['study,score\na,1', 'study,label,score\na,maybe,0.3', 'study,label,score\na,1,']) {
      expect(() => parseScores(bad))
        .to.throw()
        .that.satisfies((e: unknown) => isVigilError(e, 'BAD_REQUEST'));
    }
  });

  it('refuses a label.json that is JSON but not an object, naming the file', () => {
    for (const [i, text] of ['null', '5', '"positive"', '[true]'].entries()) {
      fs.mkdirSync(path.join(tmp, `s${i}`));
      fs.writeFileSync(path.join(tmp, `s${i}`, 'label.json'), text);
      expect(() => findLabelledStudies(path.join(tmp, `s${i}`)), text)
        .to.throw(/label\.json: "positive" must be true or false/)
        .that.satisfies((e: unknown) => isVigilError(e, 'BAD_REQUEST'));
    }
  });

  it('writes the report, the Markdown table and an ROC plot', async () => {
    const csv = path.join(tmp, 'scores.csv');
    fs.writeFileSync(csv, CSV);
    const out = path.join(tmp, 'report');
    const md = await run(['--scores', csv, '--threshold', '0.5', '--out', out, '--roc-by', 'vendor', '--title', 'Hand-worked']);
    expect(md).to.include('| all | 10 (4/6) | 3/2/4/1 | 0.750 [0.301, 0.954]');
    expect(md).to.include('0.854 [0.603, 1.000]');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.overall.confusion).to.deep.equal({ tp: 3, fp: 2, tn: 4, fn: 1 });
    expect(report.subgroups.vendor.map((g: { value: string }) => g.value)).to.deep.equal(['alpha', 'beta']);
    const svg = fs.readFileSync(path.join(out, 'roc.svg'), 'utf8');
    expect(svg).to.match(/^<svg /);
    expect(svg.match(/<path /g)).to.have.length(2);
  });

  it('chooses thresholds on a validation split', async () => {
    const csv = path.join(tmp, 'val.csv');
    fs.writeFileSync(csv, CSV);
    const chosen = JSON.parse(await run(['--scores', csv, '--choose', 'specificity=0.8', 'sensitivity=1']));
    expect(chosen[0]).to.deep.include({ threshold: 0.55, sensitivity: 0.75 });
    expect(chosen[1].threshold).to.be.closeTo(0.35, 1e-12);
  });
});
