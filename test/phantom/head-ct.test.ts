import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { generateCtPhantom, generatePhantom, writePhantom } from '../../src/tools/phantom/phantom.js';
import { ICH_TYPES } from '../../src/tools/phantom/head-lesions.js';
import { isVigilError } from '../../src/core/errors.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { dciodvfyReport, digest } from './phantom-helpers.js';

// Small matrices keep these tests fast; the anatomy and the writer are the same at 512².
const SMALL = { matrix: 64, sliceThicknessMm: 5 } as const;

/** The attributes this test reads, as dcmjs naturalizes them (the rest are checked as unknown). */
interface CtHeader extends Record<string, unknown> {
  InstanceNumber: number;
  ImagePositionPatient: [number, number, number];
  PixelData: ArrayBuffer[];
  RescaleSlope: number;
  RescaleIntercept: number;
}

describe('phantom: head CT', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => removeDir(tmp));

  it('is deterministic per seed, byte for byte', () => {
    const a = writePhantom({ kind: 'head-ct', finding: 'ich', seed: 11, ...SMALL }, path.join(tmp, 'a'));
    const b = writePhantom({ kind: 'head-ct', finding: 'ich', seed: 11, ...SMALL }, path.join(tmp, 'b'));
    const c = writePhantom({ kind: 'head-ct', finding: 'ich', seed: 12, ...SMALL }, path.join(tmp, 'c'));
    expect(digest(a.dir)).to.equal(digest(b.dir));
    expect(digest(a.dir)).to.not.equal(digest(c.dir));
    expect(a.label).to.deep.equal(b.label);
  });

  it('gives twins: the same seed with and without a bleed differ only around the bleed', () => {
    const normal = generateCtPhantom({ kind: 'head-ct', finding: 'none', seed: 21, type: undefined, ...SMALL });
    const bleed = generateCtPhantom({ kind: 'head-ct', finding: 'ich', seed: 21, type: 'subdural', ...SMALL });
    expect(bleed.label.positive).to.equal(true);
    expect(normal.label.positive).to.equal(false);
    let inside = 0;
    let outside = 0;
    bleed.volume.hu.forEach((slice, k) => {
      const mask = bleed.volume.mask[k]!;
      for (let i = 0; i < slice.length; i++) {
        const diff = Math.abs(slice[i]! - normal.volume.hu[k]![i]!);
        if (diff < 1e-3) continue;
        // The kernel spreads the bleed by a pixel or two at this matrix.
        const near = [0, 1, -1, 2, -2, 64, -64, 128, -128, 65, -65, 63, -63].some((d) => (mask[i + d] ?? 0) > 0);
        if (near) inside++;
        else outside++;
      }
    });
    expect(inside).to.be.greaterThan(0);
    expect(outside).to.equal(0);
  });

  it('labels every hemorrhage type with its size, side and region', () => {
    for (const type of ICH_TYPES) {
      const s = generatePhantom({ kind: 'head-ct', finding: 'ich', seed: 3, type, matrix: 96, sliceThicknessMm: 5 });
      expect(s.label.positive, type).to.equal(true);
      expect(s.label.type).to.equal(type);
      expect(s.label.size!.volumeMl).to.be.greaterThan(0);
      expect(s.label.subgroup.sizeBin).to.equal(s.label.size!.bin);
      expect(['left', 'right', 'midline', 'bilateral']).to.include(s.label.location!.side);
      const { min, max } = s.label.location!.boxMm;
      for (let i = 0; i < 3; i++) expect(min[i]!).to.be.at.most(max[i]!);
    }
  });

  it('writes real geometry and HU: positions along the normal, thickness, rescale', () => {
    const w = writePhantom({ kind: 'head-ct', finding: 'none', seed: 5, vendor: 'beta', ...SMALL }, tmp);
    const study = generateCtPhantom({ kind: 'head-ct', finding: 'none', seed: 5, vendor: 'beta', ...SMALL });
    const z = study.volume.geometry.zPositionsMm;
    expect(w.files).to.have.length(z.length);
    const headers = w.files.map((f) => {
      const buf = fs.readFileSync(path.join(tmp, f));
      const msg = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
      return dcmjs.data.DicomMetaDictionary.naturalizeDataset(msg.dict) as CtHeader;
    });
    // Vendor beta writes the top slice first: instance 1 is the highest z.
    const first = headers.find((h) => h.InstanceNumber === 1)!;
    expect(first.ImagePositionPatient[2]).to.be.closeTo(z[z.length - 1]!, 1e-3);
    expect(first.SliceThickness).to.equal(5);
    expect(first.Modality).to.equal('CT');
    expect(first.BodyPartExamined).to.equal('HEAD');
    expect(first.PatientID).to.match(/^SYN-/);
    const sorted = [...headers].sort((a, b) => a.ImagePositionPatient[2] - b.ImagePositionPatient[2]);
    const k = Math.floor(sorted.length / 2);
    const h = sorted[k]!;
    const stored = new Int16Array(h.PixelData[0]!);
    for (const i of [0, 64 * 32 + 32, 64 * 20 + 40]) {
      const hu = stored[i]! * h.RescaleSlope + h.RescaleIntercept;
      expect(hu).to.be.closeTo(Math.max(-32768, study.volume.hu[k]![i]!), 0.51);
    }
  });

  it('refuses a finding the kind cannot carry, and unknown options', () => {
    for (const bad of [
      { kind: 'head-ct', finding: 'pe', seed: 1 },
      { kind: 'head-ct', finding: 'ich', seed: 1, type: 'ischemic' },
      { kind: 'head-ct', finding: 'none', seed: 1, vendor: 'acme' },
      { kind: 'head-ct', finding: 'none', seed: -1 },
    ] as const) {
      expect(() => generatePhantom(bad))
        .to.throw()
        .that.satisfies((e: unknown) => isVigilError(e, 'BAD_REQUEST'));
    }
  });

  it('passes dciodvfy (dicom3tools) without errors', function () {
    const dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
    const w = writePhantom({ kind: 'head-ct', finding: 'ich', seed: 8, ...SMALL }, tmp);
    const report = dciodvfyReport(dciodvfy, path.join(tmp, w.files[0]!));
    expect(report).to.include('CTImage');
    expect(report).to.not.match(/^Error/m);
  });
});
