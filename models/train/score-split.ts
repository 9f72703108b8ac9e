/**
 * Scores one split of a pack with the shipped model exactly as the node would: phantoms drawn
 * afresh from the split's seeds, written as DICOM bytes, preprocessed by `preprocessSeries` with
 * the pack's manifest, run in ONNX Runtime. Writes a CSV for `vigil evaluate`.
 *
 *   npx tsx models/train/score-split.ts --pack stroke-ich --split test [--shard 0/2]
 *
 * Output: models/train/.work/<pack>/scores-<split>-<k>.csv (study, label, score, subgroups,
 * and the milliseconds spent preprocessing and in the model).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { subgroupsOfLabel } from '../../src/evaluate/labelled-studies.js';
import { loadPackScorer } from '../../src/evaluate/pack-scorer.js';
import { scoresToCsv, type ScoredStudy } from '../../src/evaluate/scores.js';
import { phantomInMemory } from '../../src/phantom/phantom.js';
import { PACKS, type PackId, type SplitName } from './packs.js';
import { splitStudy } from './split-study.js';

const { values } = parseArgs({ options: { pack: { type: 'string' }, split: { type: 'string' }, shard: { type: 'string', default: '0/1' }, limit: { type: 'string' } } });
const pack = PACKS[values.pack as PackId];
if (!pack) throw new Error(`--pack must be one of ${Object.keys(PACKS).join(', ')}`);
const splitName = values.split as SplitName;
const split = pack.splits[splitName];
if (!split) throw new Error('--split must be train, val, test or shifted');
const [shard, shards] = values.shard!.split('/').map(Number) as [number, number];
const count = values.limit ? Math.min(split.count, Number(values.limit)) : split.count;

const scorer = await loadPackScorer(path.join(import.meta.dirname, '..', pack.id), shards > 1 ? 1 : 2);
const rows: ScoredStudy[] = [];
const started = Date.now();
for (let i = shard; i < count; i += shards) {
  // The same draw as make-dataset.ts: a split's study i is the same phantom in both.
  const { label, files } = phantomInMemory(splitStudy(pack, splitName, i));
  const t = await scorer.scoreTimed(files.map((f) => f.bytes));
  rows.push({
    study: `${pack.id}-${splitName}-${String(i).padStart(5, '0')}`,
    label: label.positive ? 1 : 0,
    score: t.score,
    subgroups: { ...subgroupsOfLabel(label), preprocess_ms: t.preprocessMs.toFixed(1), inference_ms: t.inferenceMs.toFixed(1) },
  });
  if (rows.length % 20 === 1) process.stdout.write(`${pack.id}/${splitName} shard ${shard}: ${i + 1}/${count} (${Math.round((Date.now() - started) / 1000)} s)\n`);
}
await scorer.close();
const out = path.join(import.meta.dirname, '.work', pack.id, `scores-${splitName}-${shard}.csv`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, scoresToCsv(rows));
process.stdout.write(`${out}: ${rows.length} studies in ${Math.round((Date.now() - started) / 1000)} s\n`);
