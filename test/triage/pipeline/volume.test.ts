import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { manifestSchema, type Manifest } from '../../../src/triage/manifest.js';
import { preprocessSeries } from '../../../src/triage/pipeline/preprocess.js';
import { isVigilError } from '../../../src/core/errors.js';
import { volumeManifest } from '../../helpers/manifests.js';
import { writeEnhanced, writeSlices, type SliceSpec } from '../../helpers/pixel-fixtures.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { runDcmtk } from '../../helpers/dcmtk.js';
import { writeSeries } from '../../helpers/dicom-fixtures.js';

/** A volume manifest whose one channel passes HU through unchanged (normalise, mean 0, std 1). */
function huManifest(grid: { depth: number | null; rows: number; columns: number }, spacingMm: [number, number, number], layout = 'NCDHW'): Manifest {
  const base = volumeManifest();
  return manifestSchema.parse({
    ...base,
    input: {
      kind: 'volume',
      name: 'input',
      dtype: 'float32',
      layout,
      grid,
      spacingMm,
      channels: [{ kind: 'normalise', name: 'hu', clip: [-5000, 50000], mean: 0, std: 1 }],
    },
  });
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(isVigilError(err) ? err.code : String(err)).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

/** Stored value of slice k at (r, c): distinct everywhere, small enough to stay exact. */
const known = (k: number) => (r: number, c: number) => r + 10 * c + 100 * k;

describe('triage/pipeline: volumes', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('gives HU (slope and intercept applied) at known voxels, sorted by position, not Instance Number', async () => {
    // Instance numbers run against the positions, and the files are written out of order.
    const order = [2, 0, 3, 1];
    const slices: SliceSpec[] = order.map((k) => ({ position: [0, 0, 5 * k], value: known(k), instanceNumber: 10 - k }));
    const files = writeSlices(dir, { slope: 2, intercept: -1024 }, slices);
    const out = await preprocessSeries(files, huManifest({ depth: 4, rows: 8, columns: 8 }, [5, 1, 1]));
    expect(out.shape).to.deep.equal([1, 1, 4, 8, 8]);
    const at = (d: number, r: number, c: number) => out.tensor[d * 64 + r * 8 + c];
    for (const [d, r, c] of [
      [0, 0, 0],
      [1, 2, 3],
      [3, 7, 7],
      [2, 5, 1],
    ] as const) {
      expect(at(d, r, c), `voxel ${d},${r},${c}`).to.equal(2 * known(d)(r, c) - 1024);
    }
    expect(out.sliceSources.map((s) => out.sources[s!]!.positionMm)).to.deep.equal([0, 5, 10, 15]);
    expect(out.sources.map((s) => s.file)).to.deep.equal([1, 3, 0, 2]);
  });

  it('gives the same tensor whatever the order of the files', async () => {
    const slices: SliceSpec[] = [0, 1, 2, 3, 4].map((k) => ({ position: [0, 0, 3 * k], value: known(k) }));
    const files = writeSlices(dir, {}, slices);
    const manifest = huManifest({ depth: 6, rows: 6, columns: 5 }, [2.5, 1.3, 1.7]);
    const a = await preprocessSeries(files, manifest);
    const b = await preprocessSeries([files[3]!, files[0]!, files[4]!, files[2]!, files[1]!], manifest);
    expect(Buffer.from(b.tensor.buffer).equals(Buffer.from(a.tensor.buffer))).to.equal(true);
  });

  it('drops localizers and refuses mixed orientations, sizes, gaps and duplicates with their codes', async () => {
    const base = (k: number): SliceSpec => ({ position: [0, 0, 5 * k], value: known(k) });
    const manifest = huManifest({ depth: null, rows: 8, columns: 8 }, [5, 1, 1]);
    const withLocalizer = writeSlices(path.join(dir, 'a'), {}, [
      base(0),
      base(1),
      base(2),
      { ...base(9), orientation: [0, 1, 0, 0, 0, -1], imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] },
    ]);
    expect((await preprocessSeries(withLocalizer, manifest)).shape).to.deep.equal([1, 1, 3, 8, 8]);
    await expectCode(
      preprocessSeries(writeSlices(path.join(dir, 'b'), {}, [base(0), base(1), { ...base(2), orientation: [0, 1, 0, 0, 0, -1] }]), manifest),
      'TRIAGE_INCONSISTENT_GEOMETRY',
    );
    await expectCode(
      preprocessSeries(writeSlices(path.join(dir, 'c'), {}, [base(0), base(1), { ...base(2), rows: 6 }]), manifest),
      'TRIAGE_INCONSISTENT_GEOMETRY',
    );
    await expectCode(preprocessSeries(writeSlices(path.join(dir, 'd'), {}, [base(0), base(1), base(2), base(4), base(5)]), manifest), 'TRIAGE_SERIES_GAP');
    await expectCode(preprocessSeries(writeSlices(path.join(dir, 'e'), {}, [base(0), base(1), base(1)]), manifest), 'TRIAGE_INCONSISTENT_GEOMETRY');
    await expectCode(preprocessSeries(writeSlices(path.join(dir, 'f'), { modality: 'MR' }, [base(0), base(1)]), manifest), 'TRIAGE_MODALITY_MISMATCH');
    await expectCode(
      preprocessSeries(writeSlices(path.join(dir, 'g'), { photometric: 'PALETTE COLOR' }, [base(0), base(1)]), manifest),
      'TRIAGE_UNSUPPORTED_PIXELS',
    );
  });

  it('interpolates uneven spacing at the true positions', async () => {
    // HU = 3 × z in patient space; positions 0, 4, 10, 14, 20 (uneven, no gap).
    const zs = [0, 4, 10, 14, 20];
    const files = writeSlices(
      dir,
      {},
      zs.map((z) => ({ position: [0, 0, z], value: () => 3 * z })),
    );
    const out = await preprocessSeries(files, huManifest({ depth: 11, rows: 8, columns: 8 }, [2, 1, 1]));
    const centres = Array.from({ length: 11 }, (_, d) => out.tensor[d * 64 + 27]);
    expect(centres).to.deep.equal(Array.from({ length: 11 }, (_, d) => 3 * 2 * d));
  });

  it('corrects gantry tilt: each slice is sampled at its own in-plane offset', async () => {
    // 20° tilt: each 5 mm step along z also moves the image 5·tan(20°) mm along y.
    // HU = 10 × patient y + 1000, so a correctly resampled row has one value whatever the slice.
    const shift = 5 * Math.tan((20 * Math.PI) / 180);
    const slices: SliceSpec[] = [0, 1, 2, 3].map((k) => ({ position: [0, k * shift, 5 * k], value: (r) => Math.round(10 * (k * shift + r) + 1000) }));
    const files = writeSlices(dir, { rows: 16, columns: 4 }, slices);
    const out = await preprocessSeries(files, huManifest({ depth: 4, rows: 4, columns: 4 }, [5, 1, 1]));
    // The grid is centred on the mean image centre: y = 1.5·shift + 7.5, rows at y_c − 1.5 … y_c + 1.5.
    const yc = 1.5 * shift + 7.5;
    for (let d = 0; d < 4; d++) {
      for (let r = 0; r < 4; r++) {
        const expected = 10 * (yc - 1.5 + r) + 1000;
        // Source values were rounded to whole HU: interpolation stays within that rounding.
        expect(Math.abs(out.tensor[d * 16 + r * 4 + 1]! - expected), `slice ${d} row ${r}`).to.be.lessThan(0.51);
      }
    }
  });

  it('averages when downsampling and pads outside the scanned volume', async () => {
    const files = writeSlices(
      dir,
      { rows: 32, columns: 32, pixelSpacing: [0.5, 0.5] },
      [0, 1, 2].map((k) => ({ position: [0, 0, k], value: () => 140 })),
    );
    const out = await preprocessSeries(files, huManifest({ depth: 5, rows: 12, columns: 12 }, [1, 2, 2]));
    // 12 × 2 mm covers 24 mm, the images 16 mm: 2 columns of padding on each side; 5 slices over 3.
    const row = Array.from(out.tensor.subarray(2 * 144 + 6 * 12, 2 * 144 + 7 * 12));
    expect(row).to.deep.equal([-1024, -1024, 140, 140, 140, 140, 140, 140, 140, 140, -1024, -1024]);
    expect(Array.from(out.tensor.subarray(0, 3))).to.deep.equal([-1024, -1024, -1024]);
    expect(out.sliceSources).to.deep.equal([null, 0, 1, 2, null]);
  });

  it('reads an enhanced multi-frame object as the same slices as single frames', async () => {
    const slices: SliceSpec[] = [0, 1, 2, 3].map((k) => ({ position: [-3, 2, 4 * k], value: known(k) }));
    const single = writeSlices(path.join(dir, 'single'), { slope: 1, intercept: -1024 }, slices);
    const multi = writeEnhanced(path.join(dir, 'multi.dcm'), { slope: 1, intercept: -1024 }, [slices[2]!, slices[0]!, slices[3]!, slices[1]!]);
    const manifest = huManifest({ depth: 7, rows: 6, columns: 6 }, [2, 1.2, 1.2]);
    const a = await preprocessSeries(single, manifest);
    const b = await preprocessSeries([multi], manifest);
    expect(Buffer.from(b.tensor.buffer).equals(Buffer.from(a.tensor.buffer))).to.equal(true);
    expect(b.sources.map((s) => s.frame)).to.deep.equal([1, 3, 0, 2]);
  });

  it('builds windows as channels in the declared layout', async () => {
    const files = writeSlices(
      dir,
      {},
      [0, 1].map((k) => ({ position: [0, 0, k], value: (r) => [0, 40, 80, 200, -50, 0, 0, 0][r]! })),
    );
    const manifest = manifestSchema.parse({
      ...volumeManifest(),
      input: {
        kind: 'volume',
        name: 'input',
        dtype: 'float32',
        layout: 'DHWC',
        grid: { depth: 2, rows: 8, columns: 8 },
        spacingMm: [1, 1, 1],
        channels: [
          { kind: 'window', name: 'brain', center: 40, width: 80 },
          { kind: 'normalise', name: 'z', clip: [-20, 100], mean: 40, std: 20 },
        ],
      },
    });
    const out = await preprocessSeries(files, manifest);
    expect(out.shape).to.deep.equal([2, 8, 8, 2]);
    const voxel = (r: number) => Array.from(out.tensor.subarray((r * 8 + 3) * 2, (r * 8 + 3) * 2 + 2));
    expect([0, 1, 2, 3, 4].map(voxel)).to.deep.equal([
      [0, -2],
      [0.5, 0],
      [1, 2],
      [1, 3],
      [0, -3],
    ]);
  });

  it('gives identical tensors from JPEG-LS, JPEG lossless and RLE copies', async function () {
    for (const tool of ['dcmcjpls', 'dcmcjpeg', 'dcmcrle']) requireTool(this, tool, 'dcmtk');
    const plain = writeSeries(path.join(dir, 'plain'), { slices: 6, rows: 64, columns: 64, seed: 'codecs' });
    const manifest = huManifest({ depth: 8, rows: 24, columns: 24 }, [4, 1.5, 1.5]);
    const reference = await preprocessSeries(plain, manifest);
    for (const tool of ['dcmcjpls', 'dcmcjpeg', 'dcmcrle']) {
      const copies = await Promise.all(
        plain.map(async (file) => {
          const out = path.join(dir, tool, path.basename(file));
          fs.mkdirSync(path.dirname(out), { recursive: true });
          const result = await runDcmtk(tool, [file, out]);
          expect(result.code, result.stderr).to.equal(0);
          return out;
        }),
      );
      const out = await preprocessSeries(copies, manifest);
      expect(Buffer.from(out.tensor.buffer).equals(Buffer.from(reference.tensor.buffer)), tool).to.equal(true);
    }
  });

  it('gives the same tensor from a JPEG 2000 copy', async function () {
    requireTool(this, 'gdcmconv', 'libgdcm-tools');
    const plain = writeSeries(path.join(dir, 'plain'), { slices: 3, rows: 32, columns: 32, seed: 'j2k' });
    const manifest = huManifest({ depth: 3, rows: 16, columns: 16 }, [5, 2, 2]);
    const reference = await preprocessSeries(plain, manifest);
    const copies = await Promise.all(
      plain.map(async (file) => {
        const out = path.join(dir, 'j2k', path.basename(file));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        const result = await runDcmtk('gdcmconv', ['--j2k', file, out]);
        expect(result.code, result.stderr).to.equal(0);
        return out;
      }),
    );
    const out = await preprocessSeries(copies, manifest);
    expect(Buffer.from(out.tensor.buffer).equals(Buffer.from(reference.tensor.buffer))).to.equal(true);
  });

  it('fails a corrupt compressed frame with TRIAGE_CORRUPT_FRAME', async function () {
    requireTool(this, 'dcmcjpls', 'dcmtk');
    const plain = writeSeries(path.join(dir, 'plain'), { slices: 3, rows: 64, columns: 64, seed: 'corrupt' });
    const compressed = path.join(dir, 'c.dcm');
    expect((await runDcmtk('dcmcjpls', [plain[1]!, compressed])).code).to.equal(0);
    const bytes = fs.readFileSync(compressed);
    // Keep the encapsulation intact and garble the codestream after its header.
    bytes.fill(0x00, bytes.length - 600, bytes.length - 20);
    fs.writeFileSync(compressed, bytes);
    await expectCode(preprocessSeries([plain[0]!, compressed, plain[2]!], huManifest({ depth: 3, rows: 8, columns: 8 }, [5, 8, 8])), 'TRIAGE_CORRUPT_FRAME');
  });
});
