/**
 * Writes models/<pack>/MODEL_CARD.md from what validate.sh measured: the manifest, the training
 * record, and `vigil evaluate`'s reports on the test and shifted splits. Every number in the card
 * comes from these files; the commands that remake them are in the card.
 *
 *   npx tsx models/train/write-card.ts --pack stroke-ich
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { evaluateScores, type EvaluationReport } from '../../src/triage/evaluation/report.js';
import { readScoresCsv } from '../../src/triage/evaluation/scores.js';
import { GENERATOR_VERSION } from '../../src/tools/phantom/label.js';
import { chooseOperatingPoints } from './operating-points.js';
import { readManifest } from '../../src/triage/manifest-file.js';
import { PACKS, type PackId, type PackSpec, type SplitSpec } from './packs.js';

const { values } = parseArgs({ options: { pack: { type: 'string' } } });
const named = PACKS[values.pack as PackId] as PackSpec | undefined;
if (!named) throw new Error(`--pack must be one of ${Object.keys(PACKS).join(', ')}`);
const pack: PackSpec = named;
const work = path.join(import.meta.dirname, '.work', pack.id);
const dir = path.join(import.meta.dirname, '..', pack.id);
const manifest = readManifest(path.join(dir, 'manifest.json'));
/** What train.py records of a run (train.json). */
interface TrainingRecord {
  best_epoch: number;
  epochs: number;
  seed: number;
  batch: number;
  lr: number;
  crop_depth: number;
  /** Both absent in the packs trained before the options existed (weight 8, no lesion term). */
  pos_weight?: number;
  lesion_max?: number;
  /** Patch training (absent or empty: whole volumes). */
  patch?: string;
  steps?: number | null;
  positive_types?: string[];
  negatives_above_hu?: number | null;
  /** Platt scaling of the map's logits, fitted on the validation split by calibrate.py. */
  calibration?: { a: number; b: number; fitted_on: string; shipped?: boolean };
  /** Set when this record was written from an earlier card because the run's own record was not kept. */
  recorded_from?: string;
  flops: number;
  train_studies: number;
  /** The training split as make-dataset.ts drew it (absent in records of runs before it was kept). */
  train_split?: SplitSpec;
  /** minutes: wall-clock since the start, resumes included; cpu_minutes (absent before checkpointing): every thread's CPU time. */
  history: { epoch: number; minutes: number; cpu_minutes?: number; val_auroc: number; val_sens_at_spec90: number }[];
  torch: string;
  /** A run fine-tuning an earlier round's weights (--init): their path, and that round's record when it was kept. */
  init?: string | null;
  init_from?: TrainingRecord | null;
}
const trained = JSON.parse(fs.readFileSync(path.join(work, 'train.json'), 'utf8')) as TrainingRecord;
const report = (split: string) => JSON.parse(fs.readFileSync(path.join(work, `report-${split}`, 'report.json'), 'utf8')) as EvaluationReport;
const markdown = (split: string) => fs.readFileSync(path.join(work, `report-${split}`, 'report.md'), 'utf8').replace(/^### .*\n\n/, '');
const test = report('test');
const shifted = report('shifted');
for (const split of ['test', 'shifted']) fs.copyFileSync(path.join(work, `report-${split}`, 'roc.svg'), path.join(dir, `roc-${split}.svg`));

/** Where the patches without the finding were centred with --negatives-above-hu: the anatomy's own mimics. */
const BRIGHT_NEGATIVES: Record<PackSpec['kind'], string> = {
  ctpa: 'in the vessels where the mimics are',
  'head-ct': 'on the skull, calcifications and the falx, beside which a thin bleed lies',
  cxr: 'on the brightest structures',
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const timings = (split: string) => {
  const rows = readScoresCsv(path.join(work, `scores-${split}.csv`));
  return { preprocess: median(rows.map((r) => Number(r.subgroups.preprocess_ms))), inference: median(rows.map((r) => Number(r.subgroups.inference_ms))) };
};
const t = timings('test');

// The model alone with two threads, on the test vector: the figure the speed target is about.
const session = await ort.InferenceSession.create(path.join(dir, manifest.model.file), {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 4,
});
const input = new Float32Array(new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(dir, manifest.testVector.inputFile)))).buffer);
const runs: number[] = [];
for (let i = 0; i < 12; i++) {
  const t0 = performance.now();
  await session.run({ [manifest.input.name]: new ort.Tensor('float32', input, manifest.testVector.inputShape) });
  if (i >= 2) runs.push(performance.now() - t0);
}
await session.release();
const modelMs = median(runs);
const limitMs = { 'stroke-ich': 100, 'pe-ctpa': 300, 'pneumothorax-cxr': 50 }[pack.id as PackId];
const speedWhat = { 'stroke-ich': 'a 40-slice head CT', 'pe-ctpa': 'a CTPA', 'pneumothorax-cxr': 'a chest radiograph' }[pack.id as PackId];

const op = manifest.operatingPoints.find((p) => p.name === manifest.defaultOperatingPoint)!;
const made = pack.madeFor && { test: madeForReport('test'), shifted: madeForReport('shifted') };
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(3));
const ci = (p: { value: number | null; ci95: [number, number] | null }) => `${f3(p.value)} (95% CI ${f3(p.ci95?.[0])}–${f3(p.ci95?.[1])})`;
const met = (r: EvaluationReport) => (r.overall.sensitivity.value ?? 0) >= 0.9 && (r.overall.specificity.value ?? 0) >= 0.9;
// The training split the run was trained on when its record keeps it (the varied share), else packs.ts's.
const trainedVaried = trained.train_split?.varied;
const styles = (s: SplitSpec) => (s.varied ? `${s.vendors.join(', ')}; ${Math.round(s.varied * 100)} % in the varied style` : s.vendors.join(', '));
const splitLine = (name: string, s: SplitSpec) =>
  `| ${name} | ${s.count} | 1 in ${s.positiveEvery} | ${styles(s)} | ${pack.kind === 'cxr' ? (s.matrix === 1 ? 'full detector' : `detector ÷ ${s.matrix}`) : `${s.thicknesses.join(', ')} mm, ${s.matrix}²`} | seeds ${s.seedBase}–${s.seedBase + s.count - 1} |`;
const s = pack.splits;
// The compute of every round behind the shipped weights.
const rounds = [trained.init_from, trained].filter((r): r is TrainingRecord => !!r);
const lastOf = (r: TrainingRecord) => r.history[r.history.length - 1];
const minutes = rounds.reduce((sum, r) => sum + (lastOf(r)?.minutes ?? NaN), 0);
const cpuMinutes = rounds.every((r) => lastOf(r)?.cpu_minutes !== undefined) ? rounds.reduce((sum, r) => sum + lastOf(r)!.cpu_minutes!, 0) : undefined;

const card = `# ${manifest.name}

> **Demonstration only. Not a medical device. Not for clinical use.** This model was trained and
> tested on synthetic phantoms drawn by Vigil's own generator; it has never seen a patient image.
> Its figures say how well it separates phantoms, nothing about patients.

| | |
|---|---|
| pack | \`${manifest.id}\` ${manifest.version}, device UID \`${manifest.deviceUid}\` |
| intended use | ${manifest.intendedUse} It exists to exercise Vigil's triage path (routing, pipeline, inference, findings, alerts, worklist) end to end and to show how a model is validated. |
| finding | ${manifest.finding.concept.display} (SNOMED CT ${manifest.finding.concept.code}); critical, priority \`${manifest.finding.priorityIfPositive}\` when positive${manifest.finding.scope ? `. **Scope: ${manifest.finding.scope}**${pack.madeFor ? ' (figures on both below)' : ''} |` : ' |'}
| input | ${manifest.modality.join('/')} ${manifest.bodyPart.join('/')}; ${describeInput()} |
| outputs | \`${manifest.outputs.probability.name}\` (probability of the finding, 0-1) and \`${manifest.outputs.localisation.name}\` (coarse map over the input grid, ${manifest.outputs.localisation.layout}) |
| model | ${(fs.statSync(path.join(dir, manifest.model.file)).size / 1e6).toFixed(2)} MB ONNX (opset 17), ${(trained.flops / 1e9).toFixed(2)} GFLOP per study, SHA-256 \`${manifest.model.sha256}\` |
| default operating point | \`${op.name}\`: threshold ${op.threshold}, chosen on the validation split${pack.madeFor ? ` (${pack.madeFor.types.join(', ')} against none)` : ''} with a margin from the normals (there: sensitivity ${f3(op.sensitivity)}, specificity ${f3(op.specificity)}); see "Operating points" below |
| other operating points | ${others()} |

## Operating points

${describeOperatingPoints()}

## Training data: synthetic

Every study is a phantom from \`vigil phantom --kind ${pack.kind}\` (${GENERATOR_VERSION}): analytic anatomy, findings and
mimics described in the generator's source (\`src/tools/phantom/\`), written as DICOM and turned into tensors by the node's own
pipeline (\`preprocessSeries\`), so that training sees exactly what inference sees. Splits never share a seed.

| split | studies | with the finding | vendor styles | ${pack.kind === 'cxr' ? 'detector' : 'slices, matrix'} | seeds |
|---|---|---|---|---|---|
${splitLine('train', trained.train_split ?? { ...s.train, varied: undefined })}
${splitLine('validation (epoch and operating points)', s.val)}
${splitLine('test (held out)', s.test)}
${splitLine('shifted (held out)', s.shifted)}

Noise levels low, standard and high in every split. The shifted set changes ${pack.shift}.${trainedVaried ? ` ${variedNote()}` : ''}

## Training

${describeNet()} ${describeRounds()}${trained.recorded_from ? ` (As recorded in ${trained.recorded_from}.)` : ''} ${minutes.toFixed(0)} minutes${cpuMinutes === undefined ? '' : ` (${cpuMinutes.toFixed(0)} CPU minutes)`} on this 2-core machine (torch ${trained.torch}, 2 threads).${describeCalibration()}

## Results on the held-out test set

${made ? madeForLine('test', made.test) : ''}${test.overall.n} fresh phantoms from the training distribution, scored by the node's pipeline and the shipped ONNX file at the default operating point:
sensitivity ${ci(test.overall.sensitivity)}, specificity ${ci(test.overall.specificity)}, AUROC ${ci(test.overall.auroc)}.

${markdown('test')}
![ROC, test](roc-test.svg)

## Results on the shifted set

${made ? madeForLine('shifted', made.shifted) : ''}${shifted.overall.n} phantoms with ${pack.shift}: sensitivity ${ci(shifted.overall.sensitivity)}, specificity ${ci(shifted.overall.specificity)}, AUROC ${ci(shifted.overall.auroc)}.

${markdown('shifted')}
![ROC, shifted](roc-shifted.svg)

PPV and NPV above are at each set's own prevalence (one half); at a prevalence of 5 % they would be PPV ${f3(test.overall.atPrevalence?.ppv)} and NPV ${f3(test.overall.atPrevalence?.npv)} (test) and PPV ${f3(shifted.overall.atPrevalence?.ppv)} and NPV ${f3(shifted.overall.atPrevalence?.npv)} (shifted).

## Targets

| target | measured | met |
|---|---|---|
${made ? `| shifted set, ${pack.madeFor!.types.join(', ')} against none: sensitivity ≥ 0.90 at specificity ≥ 0.90 | sensitivity ${f3(made.shifted.overall.sensitivity.value)}, specificity ${f3(made.shifted.overall.specificity.value)} at the default operating point | ${met(made.shifted) ? 'yes' : '**no**'} |\n` : ''}| shifted set${made ? ', every type' : ''}: sensitivity ≥ 0.90 at specificity ≥ 0.90 | sensitivity ${f3(shifted.overall.sensitivity.value)}, specificity ${f3(shifted.overall.specificity.value)} at the default operating point | ${met(shifted) ? 'yes' : '**no**'} |
| inference for ${speedWhat} ≤ ${limitMs} ms (2 threads) | model ${modelMs.toFixed(1)} ms (median of 10 runs of the test vector); preprocessing ${t.preprocess.toFixed(0)} ms and model ${t.inference.toFixed(0)} ms median per study while scoring the test set (two scorers in parallel, 1 thread each, on a shared machine) | ${modelMs <= limitMs ? 'yes' : '**no**'} |
${met(shifted) ? '' : `\nThe shifted-set target is **not reached**. The rounds tried for this pack, what each reached and what is next are in \`models/README.md\` ("Retraining for a new site"); the misses are in the type and size rows above.\n`}
## Limitations

- Synthetic data only: the phantoms are simplified, analytic drawings. Real anatomy, pathology, artefacts, devices and
  scanners vary far more; nothing here predicts performance on patients.
- The test and shifted sets come from the same generator as the training set; a model can learn the generator's habits.
  The shifted set changes one scanner style and its acquisition, not the anatomy.
- Subgroups with few studies have wide intervals; read the intervals, not the point estimates.
- PPV and NPV depend on prevalence; the sets here are half positive, far above any real prevalence.
${limitations()}

## Reproduce every number

From a checkout, with Debian's \`python3-torch python3-onnx python3-numpy\` (see \`models/train/README.md\`):

\`\`\`sh
models/train/make-datasets.sh ${pack.id}                # train and validation tensors, through the node's pipeline
${trainLines()}${calibrateLines()}
npx tsx models/train/write-manifest.ts --pack ${pack.id}   # model.onnx, manifest.json, test vector
models/train/validate.sh ${pack.id}                      # scores test and shifted, vigil evaluate, this card
\`\`\`

The evaluation alone, from the scores: \`npm run vigil -- evaluate --scores models/train/.work/${pack.id}/scores-test.csv --pack models/${pack.id}\`.
`;
fs.writeFileSync(path.join(dir, 'MODEL_CARD.md'), card);
process.stdout.write(
  `${dir}/MODEL_CARD.md: test sens ${f3(test.overall.sensitivity.value)} spec ${f3(test.overall.specificity.value)}; shifted sens ${f3(shifted.overall.sensitivity.value)} spec ${f3(shifted.overall.specificity.value)}; model ${modelMs.toFixed(1)} ms\n`,
);

function describeInput(): string {
  const i = manifest.input;
  if (i.kind === 'volume') {
    return `${i.grid.depth ?? 'dynamic'}×${i.grid.rows}×${i.grid.columns} grid at ${i.spacingMm.join(' × ')} mm, channels ${i.channels.map((c) => (c.kind === 'window' ? `${c.name} (window ${c.center}/${c.width})` : `${c.name} (clip ${c.clip.join('..')})`)).join(', ')}`;
  }
  return `${i.size}×${i.size} letterboxed, VOI from the header, MONOCHROME1 inverted, normalised (v − ${i.normalise.mean}) / ${i.normalise.std}`;
}

function describeNet(): string {
  return pack.kind === 'cxr'
    ? 'A small 2D CNN (four stride-2 stages, two dilated convolutions) giving a 32×32 logit map; the probability is the sigmoid of its maximum.'
    : 'A small 2.5D CNN: a 2D encoder on every slice, then 3D convolutions across slices, giving a logit map at full depth and 1/8 of the in-plane grid; the probability is the sigmoid of its maximum.';
}

function describeRounds(): string {
  if (!trained.init) return describeTraining(trained);
  const first = trained.init_from ? describeTraining(trained.init_from) : `weights from \`${trained.init}\` (that run's record was not kept).`;
  return `Two rounds, the second starting from the first's weights. First round: ${first} Second round: ${describeTraining(trained)} Both rounds together:`;
}

function describeTraining(trained: TrainingRecord): string {
  const types = trained.positive_types?.length ? trained.positive_types : null;
  const studies = `${trained.train_studies} training studies${types ? ` (those without the finding and those with ${types.join(', ')} findings; the other types left out)` : ''}`;
  const optimiser = `AdamW, one-cycle learning rate ${trained.lr}, batch ${trained.batch}${trained.crop_depth ? `, windows of ${trained.crop_depth} slices` : ''}, seed ${trained.seed}`;
  const chosen = `epoch ${trained.best_epoch} chosen on the validation split${types ? ` (${types.join(', ')} against none)` : ''}.`;
  if (trained.patch) {
    return (
      `${studies}, ${trained.epochs} epochs of ${trained.steps} batches of patches of ${trained.patch.replaceAll(',', ' × ')} voxels (${optimiser}): half centred on the finding, ` +
      `half from studies without it${trained.negatives_above_hu != null ? ` (most on a voxel above ${trained.negatives_above_hu} HU, ${BRIGHT_NEGATIVES[pack.kind]})` : ''}; ` +
      `loss = BCE of the map against the finding's mask (positive cells weighted ${trained.pos_weight ?? 8}) + BCE of the patch's maximum against whether it holds the finding, ` +
      `so that the study's maximum at inference means what it was trained to mean; ${chosen}`
    );
  }
  return (
    `${studies}, ${trained.epochs} epochs (${optimiser}), loss = BCE of the map against the finding's mask (positive cells weighted ${trained.pos_weight ?? 8}) + BCE of the map's maximum on studies without the finding (hard negatives)` +
    `${trained.lesion_max ? ` + ${trained.lesion_max} × BCE of the largest logit among the finding's own cells on studies with it (so that a finding of a few cells still reaches the maximum)` : ''}; ${chosen}`
  );
}

function describeCalibration(): string {
  const c = trained.calibration;
  if (!c) return '';
  return (
    ` The probability is calibrated (Platt scaling, \`models/train/calibrate.py\`${c.shipped ? " on the shipped model's validation scores, inserted into its ONNX file" : ''}): every logit of the map becomes ${c.a.toFixed(4)} × logit ${c.b < 0 ? '−' : '+'} ${Math.abs(c.b).toFixed(4)} before the sigmoid, ` +
    `fitted on the ${c.fitted_on}; the ranking, the AUROC and every sensitivity/specificity pair are unchanged, only the numbers read as probabilities are.`
  );
}

function calibrateLines(): string {
  const c = trained.calibration;
  if (!c) return '';
  if (!c.shipped) return `\n/usr/bin/python3 models/train/calibrate.py --pack ${pack.id}        # the probability, on the validation split`;
  return (
    `\nnpx tsx models/train/score-split.ts --pack ${pack.id} --split val   # the uncalibrated model's validation scores` +
    `\n/usr/bin/python3 models/train/calibrate.py --pack ${pack.id} --shipped   # the probability, on the validation split, into the ONNX file`
  );
}

function others(): string {
  const rest = manifest.operatingPoints.filter((p) => p !== op);
  if (rest.length === 0) return `none: any lower threshold would be inside the bulk of the normals' scores (the floor below)`;
  return rest.map((p) => `\`${p.name}\`: threshold ${p.threshold} (validation sensitivity ${f3(p.sensitivity)}, specificity ${f3(p.specificity)})`).join('; ');
}

/** The rule of operating-points.ts, with this pack's figures (from the validation scores the manifest was made from). */
function describeOperatingPoints(): string {
  const val = readScoresCsv(path.join(work, 'scores-val-trainer.csv'));
  const types = pack.madeFor?.types;
  const pos = val.filter((r) => r.label === 1 && (!types || types.includes(r.subgroups.type ?? ''))).map((r) => r.score);
  const neg = val.filter((r) => r.label === 0).map((r) => r.score);
  const b = chooseOperatingPoints(pos, neg).basis;
  const g = (x: number) => Number(x.toPrecision(3));
  return (
    `Chosen on the validation split only (${b.normals} studies without the finding, ${b.positives} with${types ? ` ${types.join(', ')}` : ''} findings), on the log-odds of the scores ` +
    `(\`models/train/operating-points.ts\`), so that no threshold sits inside the bulk of the normals' scores, where a scanner the model has not seen moves normals over the line: ` +
    `the normals' median is ${g(b.normalsMedian)} and their 99th percentile ${g(b.normals99)}; no threshold is below the floor ${g(b.floor)}, as far above that percentile as it is above the median. ` +
    `\`balanced\` is halfway between the normals' 99th percentile and the positives' 10th percentile (${g(b.positives10)}), as far from the bulk of either, and never below the floor; ` +
    `\`high-sensitivity\`, when offered, is the floor itself.`
  );
}

/** The train.py lines that remake the shipped weights: one round, or a first round kept aside and a second from its weights. */
function trainLines(): string {
  const line = (r: TrainingRecord, init = '') => `/usr/bin/python3 models/train/train.py --pack ${pack.id} ${trainArgs(r)}${init}`;
  if (!trained.init) return line(trained);
  if (!trained.init_from) return line(trained, ` --init ${trained.init}`);
  const kept = `models/train/.work/${pack.id}/round-1`;
  return [
    `${line(trained.init_from)}   # first round`,
    `mkdir ${kept} && mv ${['model.pt', 'train.json', 'checkpoint.pt'].map((f) => `models/train/.work/${pack.id}/${f}`).join(' ')} ${kept}/`,
    `${line(trained, ` --init ${kept}/model.pt`)}   # second round, from the first's weights`,
  ].join('\n');
}

function trainArgs(trained: TrainingRecord): string {
  const patch = trained.patch
    ? ` --patch ${trained.patch} --steps ${trained.steps}${trained.negatives_above_hu != null ? ` --negatives-above-hu ${trained.negatives_above_hu}` : ''}`
    : '';
  const types = trained.positive_types?.length ? ` --positive-types ${trained.positive_types.join(',')}` : '';
  return `--epochs ${trained.epochs} --batch ${trained.batch}${trained.lr !== 0.002 ? ` --lr ${trained.lr}` : ''}${trained.crop_depth ? ` --crop-depth ${trained.crop_depth}` : ''}${trained.pos_weight && trained.pos_weight !== 8 ? ` --pos-weight ${trained.pos_weight}` : ''}${trained.lesion_max ? ` --lesion-max ${trained.lesion_max}` : ''}${patch}${types}`;
}

/** The split's scores on what the pack is made for: its types against the studies without the finding. */
function madeForReport(split: string): EvaluationReport {
  const types = pack.madeFor!.types;
  const scores = readScoresCsv(path.join(work, `scores-${split}.csv`)).filter((s) => s.label === 0 || types.includes(s.subgroups.type ?? ''));
  return evaluateScores(scores, {
    threshold: op.threshold,
    thresholdSource: `manifest ${manifest.id}, operating point ${op.name}`,
    auroc: { method: 'delong', resamples: 0, seed: 1 },
    prevalence: 0.05,
    subgroupColumns: [],
  });
}

function madeForLine(split: string, r: EvaluationReport): string {
  return `**What it is made for** (${pack.madeFor!.types.join(', ')} findings against none, ${r.overall.n} of the ${split} set's phantoms): sensitivity ${ci(r.overall.sensitivity)}, specificity ${ci(r.overall.specificity)}, AUROC ${ci(r.overall.auroc)}.\n\n**Every type:** `;
}

function limitations(): string {
  const kind = pack.kind;
  switch (kind) {
    case 'head-ct':
      return '- Head CT: no mass effect, no chronic or isodense bleeds, no post-operative heads, no motion; hemorrhage types and sizes are drawn as the generator draws them.\n- The smallest bleeds (a few tenths of a mL, thin subarachnoid blood) are at the limit of the 4 × 1.8 mm grid; see the size subgroups.';
    case 'ctpa':
      return (
        '- CTPA: central and segmental emboli only (no subsegmental), no chronic emboli, no other lung disease; the vessel trees are grown, not anatomical.\n' +
        '- Made for central emboli: on the 4 × 2 × 2 mm grid a segmental embolus is a few lung-dark voxels, and trained on them too the network learned nothing (models/README.md). ' +
        'A study with only segmental emboli mostly scores as normal: a negative result does not rule out pulmonary embolism.'
      );
    case 'cxr':
      return '- Radiographs: frontal views only, upright (no deep-sulcus sign of a supine pneumothorax), no tension, no chest drains, no lung disease.\n- Small apical rims of a few millimetres are at the limit of the 512-pixel grid; see the size subgroups.';
    default:
      return kind satisfies never;
  }
}

/** What the varied style is and how its ranges relate to the shifted set's vendor (models/train/README.md). */
function variedNote(): string {
  const what =
    pack.kind === 'cxr'
      ? 'a detector size and pixel spacing, photometric interpretation, bits stored, DX or CR, edge enhancement, blur, noise, contrast curve, range compression, presentation LUT and collimation drawn per study, with more mimics (skin folds, lines along the chest wall, bullae-like lucencies)'
      : 'a kernel blur and sharpening, noise level and grain, beam hardening, storage and padding value drawn per study, with more calcifications (pineal, choroid plexus, basal ganglia, falx; down to blood densities)';
  const overlap =
    pack.kind === 'cxr'
      ? 'its edge enhancement, noise and contrast curve lie beyond every training range, but its detector size, MONOCHROME1, DX and 16 bits fall inside them'
      : 'its sharp kernel, noise, grain, beam hardening and padding value lie beyond every training range, but its signed storage falls inside them, and its thin slices were never trained on';
  return `The varied style (\`src/tools/phantom/varied-style.ts\`): ${what}. It never draws vendor "delta" of the shifted set: ${overlap}. The shifted set is therefore unseen as a combination and in its extremes, not on every axis.`;
}
