/**
 * Makes one split of a pack's training data: phantoms drawn in memory, written as DICOM bytes,
 * and turned into tensors by the node's own pipeline (`preprocessSeries`), so that training and
 * inference see exactly the same preprocessing.
 *
 *   npx tsx models/train/make-dataset.ts --pack stroke-ich --split train [--shard 0/2] [--resume]
 *
 * `--resume` continues a shard that was stopped (a session ending, a reboot): the studies whose
 * label line was written are kept, a partly written study is cut off, and drawing goes on from the
 * next one. The studies are the same as in a run never stopped (each is drawn from its own seed).
 *
 * For volumes the pipeline is run with one identity channel, giving HU on the model's grid,
 * stored as int16 (rounded: at most 0.5 HU off); the trainer applies the manifest's windows
 * with the formulas of models/README.md. For radiographs it is run with an identity
 * normalisation, giving the VOI'd values in [0, 1] (MONOCHROME1 already inverted), stored as
 * uint16 × 65535; the trainer applies the manifest's (v − mean) / std. The finding's mask goes
 * through the same pipeline as a second series with the same geometry, so the localisation
 * target lands on the same grid.
 * Output: models/train/.work/<pack>/<split>/shard-<k>/{hu.i16 or img.u16, mask.u8, labels.jsonl}
 * (or under --out DIR instead of .work/<pack>/<split>).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { phantomInMemory } from '../../src/tools/phantom/phantom.js';
import { ctSeriesFiles } from '../../src/tools/phantom/write-ct.js';
import type { PhantomLabel } from '../../src/tools/phantom/label.js';
import { subgroupsOfLabel } from '../../src/triage/evaluation/labelled-studies.js';
import { preprocessSeries } from '../../src/triage/pipeline/preprocess.js';
import { inputSchema, type InputSpec } from '../../src/triage/manifest.js';
import type { CtStudy } from '../../src/tools/phantom/ct-study.js';
import type { RadiographStudy } from '../../src/tools/phantom/cxr.js';
import type { MemoryFile } from '../../src/tools/phantom/dicom-common.js';
import { radiographFiles } from '../../src/tools/phantom/write-radiograph.js';
import { PACKS, type PackId, type SplitName, type SplitSpec } from './packs.js';
import { splitStudy } from './split-study.js';

const { values } = parseArgs({
  options: {
    pack: { type: 'string' },
    split: { type: 'string' },
    shard: { type: 'string', default: '0/1' },
    limit: { type: 'string' },
    resume: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const pack = PACKS[values.pack as PackId];
if (!pack) throw new Error(`--pack must be one of ${Object.keys(PACKS).join(', ')}`);
const splitName = values.split as SplitName;
const split: SplitSpec = pack.splits[splitName];
if (!split) throw new Error('--split must be train, val, test or shifted');
const [shard, shards] = values.shard.split('/').map(Number) as [number, number];
const count = values.limit ? Math.min(split.count, Number(values.limit)) : split.count;

const declared = inputSchema.parse(pack.manifest.input);
const volume = declared.kind === 'volume';
/** The manifest's grid, passing values through: HU for a volume, VOI'd [0, 1] for a radiograph. */
const valueInput: InputSpec =
  declared.kind === 'volume'
    ? { ...declared, channels: [{ kind: 'normalise', name: 'hu', clip: [-32768, 32767], mean: 0, std: 1 }] }
    : { ...declared, normalise: { mean: 0, std: 1 }, channels: 1 };
/** The same grid for the mask series (stored 0-255 in a CT, 0-1 of full scale in a MONOCHROME2 radiograph). */
const maskInput: InputSpec =
  declared.kind === 'volume'
    ? { ...declared, padValue: 0, channels: [{ kind: 'normalise', name: 'mask', clip: [0, 255], mean: 0, std: 1 }] }
    : { ...declared, voi: { mode: 'header', fallback: [0, 1] }, normalise: { mean: 0, std: 1 / 255 }, padValue: 0, channels: 1 };
const modality = [...pack.manifest.modality];
const shape = declared.kind === 'volume' ? [declared.grid.depth!, declared.grid.rows, declared.grid.columns] : [declared.size, declared.size];

// --out: the split's folder elsewhere (tests); the trainer reads .work/<pack>/<split>.
const outDir = path.join(values.out ?? path.join(import.meta.dirname, '.work', pack.id, splitName), `shard-${shard}`);
const files = {
  value: path.join(outDir, volume ? 'hu.i16' : 'img.u16'),
  mask: path.join(outDir, 'mask.u8'),
  labels: path.join(outDir, 'labels.jsonl'),
  run: path.join(outDir, 'run.json'),
};
// A shard holds studies shard, shard + shards, ...: resumed only under the same sharding and split.
const run = JSON.stringify({ shards, split });
const done = values.resume && fs.existsSync(files.run) && fs.readFileSync(files.run, 'utf8') === run ? studiesWritten() : 0;
if (!done) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(files.run, run);
}
const valueFd = fs.openSync(files.value, done ? 'a' : 'w');
const maskFd = fs.openSync(files.mask, done ? 'a' : 'w');
const labels = fs.openSync(files.labels, done ? 'a' : 'w');
if (done) process.stdout.write(`${pack.id}/${splitName} shard ${shard}: resuming after ${done} studies\n`);

/** With --resume: the studies of this shard already complete; the files are cut back to them. */
function studiesWritten(): number {
  if (!fs.existsSync(files.labels) || !fs.existsSync(files.value) || !fs.existsSync(files.mask)) return 0;
  const text = fs.readFileSync(files.labels, 'utf8');
  const lines = text.split('\n').length - 1; // complete lines only: a cut-off last line is dropped
  const voxels = shape.reduce((a, b) => a * b, 1);
  // A study's value and mask are written before its label line: the smallest of the three counts is complete.
  const n = Math.min(lines, Math.floor(fs.statSync(files.value).size / (2 * voxels)), Math.floor(fs.statSync(files.mask).size / voxels));
  fs.truncateSync(files.value, n * 2 * voxels);
  fs.truncateSync(files.mask, n * voxels);
  fs.writeFileSync(
    files.labels,
    text
      .split('\n')
      .slice(0, n)
      .map((l) => `${l}\n`)
      .join(''),
  );
  return n;
}

const started = Date.now();
for (let i = shard + done * shards; i < count; i += shards) {
  const opts = splitStudy(pack, splitName, i);
  const { study, label, files } = phantomInMemory(opts);
  const values = (
    await preprocessSeries(
      files.map((f) => f.bytes),
      { input: valueInput, modality },
    )
  ).tensor;
  const stored = volume ? new Int16Array(values.length) : new Uint16Array(values.length);
  for (let k = 0; k < values.length; k++) {
    stored[k] = volume ? Math.max(-32768, Math.min(32767, Math.round(values[k]!))) : Math.round(Math.max(0, Math.min(1, values[k]!)) * 65535);
  }
  fs.writeSync(valueFd, new Uint8Array(stored.buffer));

  const mask = new Uint8Array(values.length);
  if (label.positive) {
    const m = await preprocessSeries(
      maskFiles(study, `mask/${pack.id}/${splitName}/${i}`).map((f) => f.bytes),
      { input: maskInput, modality },
    );
    for (let k = 0; k < mask.length; k++) mask[k] = Math.round(Math.max(0, Math.min(255, m.tensor[k]!)));
  }
  fs.writeSync(maskFd, mask);
  fs.writeSync(labels, `${JSON.stringify(summary(`${pack.id}-${splitName}-${String(i).padStart(5, '0')}`, label))}\n`);
  if ((i - shard) % (20 * shards) === 0) {
    process.stdout.write(`${pack.id}/${splitName} shard ${shard}: ${i + 1}/${count} (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }
}
fs.closeSync(valueFd);
fs.closeSync(maskFd);
fs.closeSync(labels);
fs.writeFileSync(
  path.join(outDir, '..', 'meta.json'),
  `${JSON.stringify({ pack: pack.id, split: splitName, shape, input: declared, spec: split }, null, 2)}\n`,
);
process.stdout.write(`${pack.id}/${splitName} shard ${shard}: done in ${Math.round((Date.now() - started) / 1000)} s\n`);

/** The finding's mask as a series with the study's own geometry: a CT of 0-255, or a MONOCHROME2 radiograph. */
function maskFiles(study: CtStudy | RadiographStudy, uidKey: string): MemoryFile[] {
  if (study.form === 'ct') {
    const maskStudy = {
      ...study,
      volume: { ...study.volume, hu: study.volume.mask.map((m) => Float32Array.from(m)) },
      vendor: { ...study.vendor, storage: { signed: false, bitsStored: 16, intercept: 0, slope: 1, outsideFovHu: 0 } },
    };
    return ctSeriesFiles(maskStudy, uidKey).files;
  }
  const maskStudy = {
    ...study,
    image: Float32Array.from(study.mask, (m) => m / 255),
    vendor: { ...study.vendor, photometric: 'MONOCHROME2' as const, bitsStored: 16 as const, modality: 'DX' as const },
  };
  return radiographFiles(maskStudy, uidKey).files;
}

/** One row per study: the label, and the same subgroup columns `vigil evaluate` reads from label.json. */
function summary(study: string, label: PhantomLabel): Record<string, unknown> {
  return { study, seed: label.seed, label: label.positive ? 1 : 0, ...subgroupsOfLabel(label) };
}
