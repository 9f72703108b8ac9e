/**
 * Scores one split of a pack with the shipped model exactly as the node would: phantoms drawn
 * afresh from the split's seeds, written as DICOM bytes, preprocessed by `preprocessSeries` with
 * the pack's manifest, run in ONNX Runtime. Writes a CSV for `vigil evaluate`.
 *
 *   npx tsx models/train/score-split.ts --pack stroke-ich --split test [--shard 0/2] [--resume]
 *
 * Each study's row is also appended to scores-<split>-<k>.partial.jsonl as it is scored, under
 * the model's SHA-256 and the shard count; `--resume` keeps the rows of a stopped run scored by
 * the same model file and sharding and goes on from there (a full validation of a CT pack is hours on a busy machine).
 *
 * Output: models/train/.work/<pack>/scores-<split>-<k>.csv (study, label, score, subgroups,
 * and the milliseconds spent preprocessing and in the model).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { subgroupsOfLabel } from '../../src/triage/evaluation/labelled-studies.js';
import { loadPackScorer } from '../../src/triage/evaluation/pack-scorer.js';
import { scoresToCsv, type ScoredStudy } from '../../src/triage/evaluation/scores.js';
import { phantomInMemory } from '../../src/tools/phantom/phantom.js';
import { PACKS, type PackId, type SplitName } from './packs.js';
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
const split = pack.splits[splitName];
if (!split) throw new Error('--split must be train, val, test or shifted');
const [shard, shards] = values.shard.split('/').map(Number) as [number, number];
const count = values.limit ? Math.min(split.count, Number(values.limit)) : split.count;

const scorer = await loadPackScorer(path.join(import.meta.dirname, '..', pack.id), shards > 1 ? 1 : 2);
// --out: the folder for the CSV elsewhere (tests); validate.sh reads .work/<pack>.
const out = path.join(values.out ?? path.join(import.meta.dirname, '.work', pack.id), `scores-${splitName}-${shard}.csv`);
fs.mkdirSync(path.dirname(out), { recursive: true });
const partial = out.replace(/\.csv$/, '.partial.jsonl');
const modelSha = (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', pack.id, 'manifest.json'), 'utf8')) as { model: { sha256: string } }).model
  .sha256;
const rows: ScoredStudy[] = values.resume ? scoredBefore() : [];
fs.writeFileSync(partial, [JSON.stringify({ model: modelSha, shards }), ...rows.map((r) => JSON.stringify(r))].map((l) => `${l}\n`).join(''));
if (rows.length) process.stdout.write(`${pack.id}/${splitName} shard ${shard}: resuming after ${rows.length} studies\n`);

/** With --resume: the rows a stopped run of the same model and sharding wrote (complete lines only). */
function scoredBefore(): ScoredStudy[] {
  if (!fs.existsSync(partial)) return [];
  const lines = fs.readFileSync(partial, 'utf8').split('\n').slice(0, -1);
  const head = lines[0] ? (JSON.parse(lines[0]) as { model?: string; shards?: number }) : {};
  if (head.model !== modelSha || head.shards !== shards) return [];
  return lines.slice(1).map((l) => JSON.parse(l) as ScoredStudy);
}

const started = Date.now();
for (let i = shard + rows.length * shards; i < count; i += shards) {
  // The same draw as make-dataset.ts: a split's study i is the same phantom in both.
  const { label, files } = phantomInMemory(splitStudy(pack, splitName, i));
  const t = await scorer.scoreTimed(files.map((f) => f.bytes));
  rows.push({
    study: `${pack.id}-${splitName}-${String(i).padStart(5, '0')}`,
    label: label.positive ? 1 : 0,
    score: t.score,
    subgroups: { ...subgroupsOfLabel(label), preprocess_ms: t.preprocessMs.toFixed(1), inference_ms: t.inferenceMs.toFixed(1) },
  });
  fs.appendFileSync(partial, `${JSON.stringify(rows[rows.length - 1])}\n`);
  if (rows.length % 20 === 1)
    process.stdout.write(`${pack.id}/${splitName} shard ${shard}: ${i + 1}/${count} (${Math.round((Date.now() - started) / 1000)} s)\n`);
}
await scorer.close();
fs.writeFileSync(out, scoresToCsv(rows));
fs.rmSync(partial);
process.stdout.write(`${out}: ${rows.length} studies in ${Math.round((Date.now() - started) / 1000)} s\n`);
