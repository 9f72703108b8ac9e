/**
 * Turns a trained model into a pack: models/<pack>/model.onnx, manifest.json and the test vector.
 *
 *   npx tsx models/train/write-manifest.ts --pack stroke-ich [--version 1.0.0]
 *
 * Operating points come from the validation split only (scores-val-trainer.csv, written by the
 * trainer or calibrate.py; for a pack made for some types of its finding, from those types and
 * the negatives), by the rule of operating-points.ts: never inside the bulk of the normals' scores;
 * the test vector is a fresh phantom (seed 4242, in no split) run through the node's pipeline
 * with this manifest, its values rounded to 1/1024 so that it compresses, and the expected
 * outputs are what ONNX Runtime gives for it. The validation scores also give the
 * score baseline for drift monitoring.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { readScoresCsv } from '../../src/triage/evaluation/scores.js';
import { phantomInMemory } from '../../src/tools/phantom/phantom.js';
import { manifestSchema, type ManifestInput } from '../../src/triage/manifest.js';
import { preprocessSeries } from '../../src/triage/pipeline/preprocess.js';
import { BASELINE_FILE, scoreBaselineSchema } from '../../src/worklist/monitoring/baseline.js';
import { chooseOperatingPoints } from './operating-points.js';
import { PACKS, type PackId, type PackSpec } from './packs.js';

const TEST_VECTOR_SEED = 4242;
const { values } = parseArgs({ options: { pack: { type: 'string' }, version: { type: 'string', default: '1.0.0' } } });
const named = PACKS[values.pack as PackId] as PackSpec | undefined;
if (!named) throw new Error(`--pack must be one of ${Object.keys(PACKS).join(', ')}`);
const pack: PackSpec = named;
const work = path.join(import.meta.dirname, '.work', pack.id);
const dir = path.join(import.meta.dirname, '..', pack.id);
fs.mkdirSync(dir, { recursive: true });

const onnx = fs.readFileSync(path.join(work, 'model.onnx'));
fs.writeFileSync(path.join(dir, 'model.onnx'), onnx);
const sha256 = crypto.createHash('sha256').update(onnx).digest('hex');
const trained = JSON.parse(fs.readFileSync(path.join(work, 'train.json'), 'utf8')) as { flops: number };

const val = readScoresCsv(path.join(work, 'scores-val-trainer.csv'));
// A pack made for some types of its finding takes its operating points on those types.
const madeFor = (s: (typeof val)[number]) => !pack.madeFor || pack.madeFor.types.includes(s.subgroups.type ?? '');
const pos = val.filter((s) => s.label === 1 && madeFor(s)).map((s) => s.score);
const neg = val.filter((s) => s.label === 0).map((s) => s.score);
// Operating points with a margin from the bulk of the normals' scores (operating-points.ts).
const chosen = chooseOperatingPoints(pos, neg);
const operatingPoints = chosen.points;

const draft: ManifestInput = {
  ...pack.manifest,
  version: values.version,
  // A new UID with every retraining: derived from the model file itself.
  deviceUid: `2.25.${(BigInt(`0x${sha256.slice(0, 32)}`) & ((1n << 127n) - 1n)).toString()}`,
  model: { file: 'model.onnx', sha256, flops: trained.flops },
  operatingPoints,
  defaultOperatingPoint: chosen.defaultOperatingPoint,
  testVector: { inputFile: 'test-vector.input.f32.gz', inputShape: [1, 1, 1], expected: {}, tolerance: 1e-4 },
};

// The test vector: a fresh positive phantom through the pipeline this manifest declares.
const { files, label } = phantomInMemory({ kind: pack.kind, finding: pack.finding, seed: TEST_VECTOR_SEED, vendor: 'alpha', noise: 'low', size: 'medium' });
const manifestForPipeline = manifestSchema.parse({
  ...draft,
  testVector: { ...draft.testVector, expected: { [pack.manifest.outputs.probability.name]: { values: [0] } } },
});
const pre = await preprocessSeries(
  files.map((f) => f.bytes),
  manifestForPipeline,
);
const input = pre.tensor.map((v) => Math.round(v * 1024) / 1024);
const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { intraOpNumThreads: 2, logSeverityLevel: 4 });
const result = await session.run({ [pack.manifest.input.name]: new ort.Tensor('float32', input, pre.shape) });
const probability = result[pack.manifest.outputs.probability.name]!.data as Float32Array;
const heatmap = result[pack.manifest.outputs.localisation.name]!.data as Float32Array;
await session.release();
fs.writeFileSync(path.join(dir, 'test-vector.input.f32.gz'), zlib.gzipSync(Buffer.from(input.buffer), { level: 9 }));
fs.writeFileSync(path.join(dir, 'test-vector.heatmap.f32'), Buffer.from(heatmap.buffer, heatmap.byteOffset, heatmap.byteLength));
draft.testVector = {
  inputFile: 'test-vector.input.f32.gz',
  inputShape: pre.shape,
  expected: {
    [pack.manifest.outputs.probability.name]: { values: [...probability] },
    [pack.manifest.outputs.localisation.name]: { file: 'test-vector.heatmap.f32' },
  },
  tolerance: 1e-4,
};
const manifest = manifestSchema.parse(draft);
fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(draft, null, 2)}\n`);

// The validation scores' distribution, for the worklist's drift monitoring (models/README.md).
// Finer bins near 0: most studies have no finding and score low.
const edges = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99, 1];
const counts = edges.slice(1).map(() => 0);
for (const s of val) {
  const bin = edges.findIndex((e, i) => i > 0 && (s.score < e || i === edges.length - 1));
  counts[bin - 1]! += 1;
}
const baseline = { source: `validation split of MODEL_CARD.md, ${val.length} phantoms (half with the finding)`, deviceUid: manifest.deviceUid, edges, counts };
fs.writeFileSync(path.join(dir, BASELINE_FILE), `${JSON.stringify(scoreBaselineSchema.parse(baseline), null, 2)}\n`);
process.stdout.write(
  `${dir}: sha256 ${sha256.slice(0, 12)}…, ${(onnx.length / 1e6).toFixed(2)} MB, ${manifest.operatingPoints.map((p) => `${p.name} ${p.threshold} (val sens ${p.sensitivity}, spec ${p.specificity})`).join('; ')}; test vector ${label.type} → ${probability[0]!.toFixed(4)}\n`,
);
