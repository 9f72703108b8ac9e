import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { generatePhantom, writePhantom } from '../../src/tools/phantom/phantom.js';
import { PTX_TYPES } from '../../src/tools/phantom/cxr.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { dciodvfyReport, digest } from './phantom-helpers.js';

// A detector shrunk eightfold: the same drawing, 64 times fewer pixels.
const SMALL = { matrix: 8 } as const;

/** The attributes these tests read, as dcmjs naturalizes them (the rest are checked as unknown). */
interface Dataset extends Record<string, unknown> {
  Rows: number;
  Columns: number;
  PixelData: ArrayBuffer[];
}

function readDataset(file: string): Dataset {
  const buf = fs.readFileSync(file);
  const msg = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(msg.dict) as Dataset;
}

describe('phantom: chest radiograph', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => removeDir(tmp));

  it('is deterministic per seed, and labels pneumothoraces by type, rim and side', () => {
    const a = writePhantom({ kind: 'cxr', finding: 'pneumothorax', seed: 6, ...SMALL }, path.join(tmp, 'a'));
    const b = writePhantom({ kind: 'cxr', finding: 'pneumothorax', seed: 6, ...SMALL }, path.join(tmp, 'b'));
    expect(digest(a.dir)).to.equal(digest(b.dir));
    for (const type of PTX_TYPES) {
      const s = generatePhantom({ kind: 'cxr', finding: 'pneumothorax', seed: 3, type, size: 'large', ...SMALL });
      expect(s.label.positive, type).to.equal(true);
      expect(s.label.type).to.equal(type);
      expect(s.label.size!.lengthMm).to.be.at.least(25);
      expect(['left', 'right']).to.include(s.label.location!.side);
    }
  });

  it('writes MONOCHROME1 inverted and MONOCHROME2 as displayed, with the detector spacing', () => {
    const mono2 = writePhantom({ kind: 'cxr', finding: 'none', seed: 1, vendor: 'alpha', ...SMALL }, path.join(tmp, 'm2'));
    const mono1 = writePhantom({ kind: 'cxr', finding: 'none', seed: 1, vendor: 'beta', ...SMALL }, path.join(tmp, 'm1'));
    const d2 = readDataset(path.join(mono2.dir, mono2.files[0]!));
    const d1 = readDataset(path.join(mono1.dir, mono1.files[0]!));
    expect(d2.PhotometricInterpretation).to.equal('MONOCHROME2');
    expect(d2.PresentationLUTShape).to.equal('IDENTITY');
    expect(d2.ImagerPixelSpacing).to.deep.equal([1.6, 1.6]);
    expect(d1.PhotometricInterpretation).to.equal('MONOCHROME1');
    expect(d1.Modality).to.equal('CR');
    expect(d1.PixelSpacing).to.deep.equal([1.6, 1.6]);
    // The spine below the heart is bright on display: high in MONOCHROME2, low in MONOCHROME1.
    const centre = (d: Dataset) => new Uint16Array(d.PixelData[0]!)[Math.floor(d.Rows * 0.85) * d.Columns + Math.floor(d.Columns / 2)]!;
    expect(centre(d2) / 4095).to.be.greaterThan(0.5);
    expect(centre(d1) / 4095).to.be.lessThan(0.5);
  });

  it('passes dciodvfy without errors, as DX and as CR', function () {
    const dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
    for (const [vendor, iod] of [
      ['alpha', 'DXImageForPresentation'],
      ['beta', 'CRImage'],
    ] as const) {
      const w = writePhantom({ kind: 'cxr', finding: 'pneumothorax', seed: 2, vendor, ...SMALL }, path.join(tmp, vendor));
      const report = dciodvfyReport(dciodvfy, path.join(w.dir, w.files[0]!));
      expect(report).to.include(iod);
      expect(report).to.not.match(/^Error/m);
    }
  });
});
