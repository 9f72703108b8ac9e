import path from 'node:path';
import { expect } from 'chai';
import { manifestSchema, type Manifest } from '../../../src/triage/manifest.js';
import { preprocessSeries } from '../../../src/triage/pipeline/preprocess.js';
import { radiographManifest } from '../../helpers/manifests.js';
import { writeRadiograph } from '../../helpers/pixel-fixtures.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';

function manifest(input: Record<string, unknown>): Manifest {
  const base = radiographManifest();
  return manifestSchema.parse({ ...base, input: { ...(base.input as object), ...input } });
}

describe('triage/pipeline: radiographs', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('inverts MONOCHROME1 after VOI', async () => {
    const value = (r: number, c: number) => 100 * r + c;
    const m = manifest({ size: 8, voi: { mode: 'window', center: 400, width: 800 } });
    const two = await preprocessSeries([writeRadiograph(path.join(dir, 'm2.dcm'), { rows: 8, columns: 8, value })], m);
    const one = await preprocessSeries([writeRadiograph(path.join(dir, 'm1.dcm'), { rows: 8, columns: 8, value, photometric: 'MONOCHROME1' })], m);
    // LINEAR_EXACT: (v − 400) / 800 + 0.5 = v / 800.
    expect(two.tensor[3 * 8 + 5]).to.be.closeTo(305 / 800, 1e-6);
    expect(one.tensor[3 * 8 + 5]).to.be.closeTo(1 - 305 / 800, 1e-6);
    expect(one.geometry.kind === 'radiograph' && one.geometry.inverted).to.equal(true);
  });

  it('letterboxes by Pixel Spacing, else Imager Pixel Spacing over the magnification', async () => {
    const m = manifest({ size: 8, voi: { mode: 'window', center: 2000, width: 4000 }, padValue: 0 });
    const value = () => 2000;
    // 4 rows × 8 columns of square pixels: the image fills rows 2..5 of the 8 × 8 square.
    const wide = await preprocessSeries([writeRadiograph(path.join(dir, 'a.dcm'), { rows: 4, columns: 8, value, pixelSpacing: [0.2, 0.2] })], m);
    const rowsWithImage = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => wide.tensor[r * 8 + 4]);
    expect(rowsWithImage).to.deep.equal([0, 0, 0.5, 0.5, 0.5, 0.5, 0, 0]);
    // Imager spacing 0.4 × 0.2 at magnification 2 makes the same 4 × 8 pixels square in mm: no letterbox.
    const tall = await preprocessSeries(
      [writeRadiograph(path.join(dir, 'b.dcm'), { rows: 4, columns: 8, value, imagerPixelSpacing: [0.4, 0.2], magnification: 2 })],
      m,
    );
    expect([0, 3, 7].map((r) => tall.tensor[r * 8 + 4])).to.deep.equal([0.5, 0.5, 0.5]);
    expect(tall.geometry.kind === 'radiograph' && tall.geometry.spacingSource).to.equal('ImagerPixelSpacing');
    expect(tall.geometry.kind === 'radiograph' && tall.geometry.sourcePixelSpacing).to.deep.equal([0.2, 0.1]);
  });

  it("uses the image's own window, else quantiles, then normalises into the declared channels", async () => {
    const value = (r: number, c: number) => 10 * (r * 4 + c);
    const header = manifest({ size: 4, channels: 3, normalise: { mean: 0.5, std: 0.5 } });
    const own = await preprocessSeries(
      [writeRadiograph(path.join(dir, 'w.dcm'), { rows: 4, columns: 4, value, window: { center: 80, width: 100, func: 'LINEAR_EXACT' } })],
      header,
    );
    expect(own.shape).to.deep.equal([1, 3, 4, 4]);
    // v = 50 → (50 − 80)/100 + 0.5 = 0.2 → (0.2 − 0.5)/0.5 = −0.6, in every channel.
    expect([0, 16, 32].map((c) => own.tensor[c + 1 * 4 + 1])).to.deep.equal([-0.6, -0.6, -0.6].map((v) => Math.fround(v)));
    const none = await preprocessSeries(
      [writeRadiograph(path.join(dir, 'n.dcm'), { rows: 4, columns: 4, value })],
      manifest({ size: 4, voi: { mode: 'header', fallback: [0, 1] } }),
    );
    expect(none.tensor[0]).to.equal(0);
    expect(none.tensor[15]).to.equal(1);
  });

  it("applies the image's VOI LUT Sequence before its window, interpolated and scaled by its largest value", async () => {
    // LUT over stored values 100..104: 0, 10, 40, 90, 160 (a curve no window gives).
    const voiLut = { first: 100, bits: 8, data: [0, 10, 40, 90, 160] };
    const value = (r: number, c: number) => [98, 100, 101, 103, 104, 110, 102, 102][c]! + 0 * r;
    const out = await preprocessSeries(
      [writeRadiograph(path.join(dir, 'lut.dcm'), { rows: 8, columns: 8, value, voiLut, window: { center: 0, width: 2 } })],
      manifest({ size: 8, voi: { mode: 'header' } }),
    );
    expect(Array.from(out.tensor.subarray(0, 8)).map((v) => Math.round(v * 160))).to.deep.equal([0, 0, 10, 90, 160, 160, 40, 40]);
    expect(out.geometry.kind === 'radiograph' && out.geometry.voi).to.match(/VOI LUT/);
  });

  it('refuses a series of two radiographs', async () => {
    const a = writeRadiograph(path.join(dir, 'a.dcm'), { rows: 4, columns: 4, value: () => 1, seed: 'a' });
    const b = writeRadiograph(path.join(dir, 'b.dcm'), { rows: 4, columns: 4, value: () => 1, seed: 'b' });
    const err = await preprocessSeries([a, b], manifest({})).catch((e: unknown) => e);
    expect((err as { code: string }).code).to.equal('TRIAGE_UNEXPECTED_IMAGE_COUNT');
  });
});
