import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { toJpegLsLossless } from '../../src/tools/demo/compress.js';
import { buildDemoSet, DEMO_KEYS, PHANTOM_CASES, writeDemoSet } from '../../src/tools/demo/demo-set.js';
import { withFreshUids } from '../../src/tools/demo/fresh-uids.js';
import { mrBrainSeries } from '../../src/tools/demo/mr-series.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';
import { phantomInMemory } from '../../src/tools/phantom/phantom.js';
import { resourceIds } from '../../src/domain/resource-ids.js';
import { readImages } from '../../src/triage/pipeline/dataset.js';
import { decodeFrame, initCodecs } from '../../src/triage/pipeline/decode.js';
import { dciodvfyReport } from '../phantom/phantom-helpers.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

type Dict = Record<string, { Value?: unknown[] }>;
const read = (bytes: Uint8Array): { meta: Dict; dict: Dict } =>
  dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
const tag = (d: Dict, t: string): unknown => d[t]?.Value?.[0];

describe('demo: the study set', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => (tmp = makeTempDir()));
  after(() => removeDir(tmp));

  it('names every phantom case once, with a model of the shipped plugins, and the MR last', () => {
    expect(new Set(DEMO_KEYS).size).to.equal(DEMO_KEYS.length);
    expect(DEMO_KEYS.at(-1)).to.equal('mr-brain');
    expect([...new Set(PHANTOM_CASES.map((c) => c.modelId))].sort()).to.deep.equal(['pe-ctpa', 'pneumothorax-cxr', 'stroke-ich']);
    for (const model of ['pe-ctpa', 'pneumothorax-cxr', 'stroke-ich']) {
      expect(
        PHANTOM_CASES.filter((c) => c.modelId === model)
          .map((c) => c.phantom.finding !== 'none')
          .sort(),
        model,
      ).to.deep.equal([false, true]);
    }
  });

  it('builds an MR series that passes dciodvfy as an MR Image, one stack with its count', function () {
    const dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
    const mr = mrBrainSeries(1);
    const dir = path.join(tmp, 'mr');
    fs.mkdirSync(dir);
    const z = mr.files.map((f) => {
      const { dict } = read(f.bytes);
      expect(tag(dict, '00080060')).to.equal('MR');
      expect(tag(dict, '0020000E')).to.equal(mr.seriesInstanceUid);
      expect(tag(dict, '00201002')).to.equal(mr.files.length);
      return (dict['00200032']!.Value as number[])[2];
    });
    expect(new Set(z).size).to.equal(mr.files.length);
    fs.writeFileSync(path.join(dir, 'mr.dcm'), mr.files[0]!.bytes);
    const report = dciodvfyReport(dciodvfy, path.join(dir, 'mr.dcm'));
    expect(report).to.include('MRImage');
    expect(report).to.not.match(/^(Error|Warning)/m);
  });

  it('compresses a radiograph to JPEG-LS lossless: the same pixels, fewer bytes', async () => {
    const { files } = phantomInMemory({ kind: 'cxr', finding: 'pneumothorax', seed: 3, matrix: 8 });
    const plain = files[0]!;
    const jls = await toJpegLsLossless(plain);
    expect(tag(read(jls.bytes).meta, '00020010')).to.equal(TransferSyntax.JpegLsLossless);
    // Encapsulated Pixel Data is OB, undefined length (PS3.5 A.4).
    const at = Buffer.from(jls.bytes).lastIndexOf(Buffer.from('e07f1000', 'hex'));
    expect(
      Buffer.from(jls.bytes)
        .subarray(at, at + 12)
        .toString('hex'),
    ).to.equal('e07f10004f420000ffffffff');
    expect(jls.bytes.length).to.be.below(plain.bytes.length);
    await initCodecs();
    // Decoded by the pipeline the node runs, the same stored values.
    const pixels = (bytes: Uint8Array): Buffer => {
      const stored = decodeFrame(readImages(bytes, 0)[0]!);
      return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    };
    expect(pixels(jls.bytes).equals(pixels(plain.bytes))).to.equal(true);
  });

  it('gives a run new UIDs, the same for every file of a series, and keeps the meta header in step', () => {
    const mr = mrBrainSeries(2);
    const a = withFreshUids(mr.files, 'run-a');
    const b = withFreshUids(mr.files, 'run-b');
    const uidsOf = (files: typeof mr.files) =>
      files
        .map((f) => read(f.bytes))
        .map(({ meta, dict }) => ({
          study: tag(dict, '0020000D'),
          series: tag(dict, '0020000E'),
          sop: tag(dict, '00080018'),
          metaSop: tag(meta, '00020003'),
          name: tag(dict, '00100010'),
        }));
    const ua = uidsOf(a.files);
    expect(new Set(ua.map((u) => u.series))).to.deep.equal(new Set([a.map(mr.seriesInstanceUid)]));
    expect(new Set(ua.map((u) => u.study))).to.deep.equal(new Set([a.map(mr.studyInstanceUid)]));
    expect(new Set(ua.map((u) => u.sop)).size).to.equal(mr.files.length);
    for (const u of ua) expect(u.metaSop).to.equal(u.sop);
    expect(a.map(mr.seriesInstanceUid)).to.not.equal(mr.seriesInstanceUid);
    expect(b.map(mr.seriesInstanceUid)).to.not.equal(a.map(mr.seriesInstanceUid));
    expect(ua[0]!.name).to.deep.equal(read(mr.files[0]!.bytes).dict['00100010']!.Value![0]);
  });

  it('knows the ids the node will give each study and series, and writes one folder per study', async () => {
    const studies = await buildDemoSet({ skipModels: ['stroke-ich', 'pe-ctpa', 'pneumothorax-cxr'], uidSalt: 'x' });
    expect(studies.map((s) => s.key)).to.deep.equal(['mr-brain']);
    const s = studies[0]!;
    const { dict } = read(s.files[0]!.bytes);
    const ids = resourceIds({
      patientId: String(tag(dict, '00100020')),
      study: String(tag(dict, '0020000D')),
      series: String(tag(dict, '0020000E')),
      instance: '',
    });
    expect({ study: s.studyId, series: s.seriesId }).to.deep.equal({ study: ids.study, series: ids.series });
    expect(s.seriesInstanceUid).to.equal(tag(dict, '0020000E'));
    const written = writeDemoSet(studies, path.join(tmp, 'set'));
    expect(written.get('mr-brain')!.map((f) => path.relative(tmp, f))).to.deep.equal(s.files.map((f) => path.join('set', 'mr-brain', f.name)));
  });
});
