/**
 * What the IHE AI Results' Segmentation costs per delivery: a CT series of SLICES × SIZE² on disk,
 * the map of a 40 × 128² model grid placed on it by the pipeline (as triage does), then per run:
 * read the source images' geometry from the files, resample the map onto every slice (TYPE:
 * binary, 1 bit, by default; fractional, 8 bits), build the SEG and encode it as the C-STORE sends it. Prints the median and the largest
 * of RUNS runs, the SEG's size, and the longest the event loop was held while it was built (the
 * build yields between files and frames; encoding is one piece).
 *
 *   npx tsx test/bench/air-seg.ts        (SLICES=40 SIZE=512 RUNS=5 TYPE=binary)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildSegmentation } from '../../src/alerts/channels/dicom/air/segmentation.js';
import { sourceSlices } from '../../src/alerts/channels/dicom/air/source-slices.js';
import dimse from '../../src/dicom/net/dimse.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';
import { localisationOf } from '../../src/triage/localisation.js';
import { manifestSchema } from '../../src/triage/manifest.js';
import { preprocessSeries } from '../../src/triage/pipeline/preprocess.js';
import type { Alert } from '../../src/alerts/model.js';
import type { AlertContext } from '../../src/alerts/context.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { makeFinding } from '../helpers/findings.js';
import { volumeManifest } from '../helpers/manifests.js';

const SLICES = Number(process.env.SLICES ?? 40);
const SIZE = Number(process.env.SIZE ?? 512);
const RUNS = Number(process.env.RUNS ?? 5);
const TYPE = process.env.TYPE === 'fractional' ? 'fractional' : 'binary';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-air-seg-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const files = writeSeries(work, { seed: 'bench-seg', slices: SLICES, rows: SIZE, columns: SIZE });
const manifest = manifestSchema.parse(
  volumeManifest({
    input: {
      kind: 'volume',
      name: 'input',
      dtype: 'float32',
      layout: 'NCDHW',
      grid: { depth: 40, rows: 128, columns: 128 },
      spacingMm: [5, 0.5, 0.5],
      channels: [{ kind: 'window', name: 'brain', center: 40, width: 80 }],
    },
  }),
);
const pre = await preprocessSeries(files, manifest);
const mapShape = [10, 32, 32];
const map = new Float32Array(mapShape.reduce((a, b) => a * b, 1)).map((_, i) => (i % 97) / 97);
const placed = localisationOf(pre, map, mapShape);
const localisation = { ...placed, images: placed.images.map((image) => ({ ...image, instanceId: String(image.file) })) };
const instanceFile = (id: string) => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', seriesInstanceUid: '2.25.1', path: files[Number(id)]! });
const study = { studyId: 's', seriesId: 'x', studyInstanceUid: '2.25.2', seriesInstanceUid: '2.25.1', accessionNumber: 'A' };
const finding = makeFinding(study, { hasKeyImage: true });
const alert = { id: 'bench-alert', resultId: 'bench-alert', finding } as unknown as Alert;
const context: AlertContext = {
  patient: { id: 'P', issuer: '', name: 'BENCH^SEG', birthDate: '', sex: '' },
  study: { instanceUid: '2.25.2', accessionNumber: 'A', date: '', time: '', description: '' },
  keyInstance: null,
};

const times: number[] = [];
let bytes = 0;
let buildStallMs = 0;
let encodeMs = 0;
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const seg = (await buildSegmentation(alert, context, localisation, map, await sourceSlices(localisation, instanceFile), TYPE))!;
  delay.disable();
  buildStallMs = Math.max(buildStallMs, delay.max / 1e6);
  const t1 = performance.now();
  bytes = new dimse.Dataset(seg, TransferSyntax.ExplicitVRLittleEndian).getDenaturalizedDataset().length;
  encodeMs = Math.max(encodeMs, performance.now() - t1);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  `${TYPE} SEG of ${placed.images.length} frames of ${SIZE}² from ${SLICES} slices: median ${times[Math.floor(RUNS / 2)]!.toFixed(0)} ms, max ${times[RUNS - 1]!.toFixed(0)} ms over ${RUNS} runs; ${(bytes / 1048576).toFixed(1)} MB encoded; event loop held at most ${buildStallMs.toFixed(0)} ms while building, ${encodeMs.toFixed(0)} ms encoding`,
);
