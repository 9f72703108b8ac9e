import crypto from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { generatePhantom, writePhantom, type PhantomOptions } from '../../src/tools/phantom/phantom.js';
import type { CtStudy } from '../../src/tools/phantom/ct-study.js';
import type { RadiographStudy } from '../../src/tools/phantom/cxr.js';
import { Rng } from '../../src/core/random.js';
import { variedCtVendor, variedCxrVendor } from '../../src/tools/phantom/varied-style.js';
import { CT_VENDORS, CXR_VENDORS } from '../../src/tools/phantom/vendors.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { dciodvfyReport } from './phantom-helpers.js';

/** SHA-256 (first 16 hex digits) of a study's pixels, finding mask and label. */
function studyHash(s: CtStudy | RadiographStudy): string {
  const h = crypto.createHash('sha256');
  if (s.form === 'radiograph') {
    h.update(new Uint8Array(s.image.buffer, s.image.byteOffset, s.image.byteLength)).update(s.mask);
  } else {
    for (const slice of s.volume.hu) h.update(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength));
    for (const m of s.volume.mask) h.update(m);
  }
  return h.update(JSON.stringify(s.label)).digest('hex').slice(0, 16);
}

describe('phantom: varied scanner style (training splits only)', () => {
  it('is off by default: studies without it are the ones drawn before it existed', () => {
    // Hashes taken with the generator as it was before the varied style was added: every model
    // pack's splits, test vectors and end-to-end phantoms are drawn by seed and must not move.
    const before: [PhantomOptions, string][] = [
      [{ kind: 'cxr', finding: 'pneumothorax', seed: 6, matrix: 8 }, '27ec508f08ca1891'],
      [{ kind: 'cxr', finding: 'none', seed: 11, matrix: 8, vendor: 'beta' }, '9e5a9a1680a62f07'],
      [{ kind: 'head-ct', finding: 'ich', seed: 3, matrix: 48, sliceThicknessMm: 5 }, '05c5e16e19799ce1'],
      [{ kind: 'head-ct', finding: 'none', seed: 9, matrix: 48, sliceThicknessMm: 5, vendor: 'gamma' }, 'c7af7a41bf295e25'],
    ];
    for (const [opts, hash] of before) {
      expect(studyHash(generatePhantom(opts)), JSON.stringify(opts)).to.equal(hash);
      expect(studyHash(generatePhantom({ ...opts, style: 'vendor' })), `${JSON.stringify(opts)} with style vendor`).to.equal(hash);
    }
  });

  it('is deterministic by seed, labelled "varied", and draws a style of its own per study', () => {
    for (const kind of ['cxr', 'head-ct'] as const) {
      const opts: PhantomOptions = {
        kind,
        finding: 'none',
        seed: 21,
        matrix: kind === 'cxr' ? 8 : 48,
        style: 'varied',
        ...(kind === 'head-ct' ? { sliceThicknessMm: 5 } : {}),
      };
      const a = generatePhantom(opts);
      expect(studyHash(generatePhantom(opts)), kind).to.equal(studyHash(a));
      expect(a.label.subgroup.vendor, kind).to.equal('varied');
      expect(studyHash(generatePhantom({ ...opts, style: undefined })), kind).to.not.equal(studyHash(a));
    }
    // Twenty seeds: several detectors, both photometric interpretations, both modalities.
    const radiographs = Array.from({ length: 20 }, (_, i) => generatePhantom({ kind: 'cxr', finding: 'none', seed: 100 + i, matrix: 16, style: 'varied' }));
    expect(new Set(radiographs.map((s) => s.label.subgroup.detector)).size).to.be.greaterThan(10);
    expect(new Set(radiographs.map((s) => s.label.subgroup.photometric))).to.deep.equal(new Set(['MONOCHROME1', 'MONOCHROME2']));
    expect(new Set(radiographs.map((s) => s.label.subgroup.modality))).to.deep.equal(new Set(['CR', 'DX']));
  });

  it('never draws the held-out vendor delta: kernel, noise, contrast and beam hardening stop short of it', () => {
    const cxrDelta = CXR_VENDORS.delta;
    const ctDelta = CT_VENDORS.delta;
    for (let i = 0; i < 500; i++) {
      const r = variedCxrVendor(new Rng(`test/varied/${i}`));
      expect(r.sharpen).to.be.below(cxrDelta.sharpen);
      expect(r.noise).to.be.below(cxrDelta.noise);
      expect(r.gamma).to.be.below(cxrDelta.gamma);
      const c = variedCtVendor(new Rng(`test/varied/${i}`));
      expect(c.kernelSharpen).to.be.below(ctDelta.kernelSharpen);
      expect(c.kernelSigma).to.be.above(ctDelta.kernelSigma);
      expect(c.noiseAt5mm).to.be.below(ctDelta.noiseAt5mm);
      expect(c.noiseGrain).to.be.above(ctDelta.noiseGrain);
      expect(c.beamHardening).to.be.below(ctDelta.beamHardening);
      expect(c.storage.outsideFovHu).to.not.equal(ctDelta.storage.outsideFovHu);
    }
  });

  it('adds mimics: calcifications in head CT, chest wall lines, folds and bullae in radiographs', () => {
    const mimics = (kind: 'cxr' | 'head-ct', style?: 'varied') =>
      Array.from(
        { length: 12 },
        (_, i) =>
          generatePhantom({
            kind,
            finding: 'none',
            seed: 300 + i,
            matrix: kind === 'cxr' ? 16 : 32,
            style,
            ...(kind === 'head-ct' ? { sliceThicknessMm: 5 } : {}),
          }).label.mimics,
      ).flat();
    const cxr = mimics('cxr', 'varied');
    for (const m of ['lateral chest wall line', 'bulla']) expect(cxr, m).to.include(m);
    expect(mimics('cxr')).to.not.include('bulla');
    const count = (list: string[], m: string) => list.filter((x) => x === m).length;
    const head = mimics('head-ct', 'varied');
    const plain = mimics('head-ct');
    expect(count(head, 'basal ganglia calcification')).to.be.greaterThan(count(plain, 'basal ganglia calcification'));
  });

  it('refuses a named vendor with it, and CTPA (not drawn for that kind)', () => {
    expect(() => generatePhantom({ kind: 'cxr', finding: 'none', seed: 1, matrix: 8, vendor: 'alpha', style: 'varied' })).to.throw(
      /style "varied" or vendor "alpha"/,
    );
    expect(() => generatePhantom({ kind: 'ctpa', finding: 'none', seed: 1, matrix: 32, style: 'varied' })).to.throw(/not for CTPA/);
    expect(() => generatePhantom({ kind: 'cxr', finding: 'none', seed: 1, matrix: 8, style: 'odd' as 'varied' })).to.throw(/unknown style "odd"/);
  });

  describe('as DICOM', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = makeTempDir();
    });
    afterEach(() => removeDir(tmp));

    it('writes varied radiographs and head CTs that pass dciodvfy', function () {
      const dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
      for (const [i, opts] of (
        [
          { kind: 'cxr', finding: 'pneumothorax', seed: 5, matrix: 8, style: 'varied' },
          { kind: 'cxr', finding: 'none', seed: 7, matrix: 8, style: 'varied' },
          { kind: 'head-ct', finding: 'ich', seed: 5, matrix: 32, sliceThicknessMm: 5, style: 'varied' },
        ] as PhantomOptions[]
      ).entries()) {
        const w = writePhantom(opts, path.join(tmp, String(i)));
        const report = dciodvfyReport(dciodvfy, path.join(w.dir, w.files[0]!));
        expect(report, JSON.stringify(opts)).to.not.match(/^Error/m);
      }
    });
  });
});
