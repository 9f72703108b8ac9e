import path from 'node:path';
import { expect } from 'chai';
import { generateCtPhantom, writePhantom } from '../../src/tools/phantom/phantom.js';
import { PE_TYPES } from '../../src/tools/phantom/ctpa-emboli.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { dciodvfyReport, digest } from './phantom-helpers.js';

const SMALL = { matrix: 64, sliceThicknessMm: 5 } as const;

describe('phantom: CT pulmonary angiogram', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => removeDir(tmp));

  it('is deterministic per seed, and its emboli are labelled by type, size and side', () => {
    const a = writePhantom({ kind: 'ctpa', finding: 'pe', seed: 4, ...SMALL }, path.join(tmp, 'a'));
    const b = writePhantom({ kind: 'ctpa', finding: 'pe', seed: 4, ...SMALL }, path.join(tmp, 'b'));
    expect(digest(a.dir)).to.equal(digest(b.dir));
    for (const type of PE_TYPES) {
      const s = generateCtPhantom({ kind: 'ctpa', finding: 'pe', seed: 9, type, matrix: 96, sliceThicknessMm: 3 });
      expect(s.label.positive, type).to.equal(true);
      expect(s.label.type).to.equal(type);
      expect(s.label.size!.volumeMl).to.be.greaterThan(0);
      expect(s.label.location!.region).to.be.a('string');
    }
  });

  it('fills the pulmonary arteries with contrast and the clot with none', () => {
    const s = generateCtPhantom({ kind: 'ctpa', finding: 'pe', seed: 9, type: 'central', size: 'large', matrix: 96, sliceThicknessMm: 3 });
    const clot: number[] = [];
    s.volume.hu.forEach((slice, k) => slice.forEach((hu, i) => s.volume.mask[k]![i]! >= 200 && clot.push(hu)));
    expect(clot.length).to.be.greaterThan(0);
    const median = clot.sort((x, y) => x - y)[Math.floor(clot.length / 2)]!;
    // Acute clot is 25-65 HU; the kernel mixes in a little of the contrast around it.
    expect(median).to.be.within(0, 160);
    expect(s.label.subgroup.modality).to.equal('CT');
  });

  it('writes contrast attributes and passes dciodvfy without errors', function () {
    const dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
    const w = writePhantom({ kind: 'ctpa', finding: 'none', seed: 2, ...SMALL }, tmp);
    const report = dciodvfyReport(dciodvfy, path.join(tmp, w.files[3]!));
    expect(report).to.include('CTImage');
    expect(report).to.not.match(/^Error/m);
    expect(report).to.not.match(/^Warning/m);
  });
});
