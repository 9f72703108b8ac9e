/**
 * Triage benchmark: per-stage times of one job, from files in the store to a stored finding,
 * for a 40-slice 512² head CT (uncompressed and JPEG-LS) and a 2,000² chest radiograph, and
 * the GFLOP/s ONNX Runtime achieves against the model's declared FLOPs.
 *
 * The node runs in this process with the benchmark packs (test/bench/packs: untrained CNNs of
 * realistic size, 1.7 and 0.12 GFLOP; built by test/bench/build-bench-packs.py), or the packs
 * named by PACKS; the series arrive over DICOM (DCMTK storescu), then each job is enqueued RUNS
 * times (a new series version each time) and timed from enqueue to the stored finding.
 *
 * "other" is enqueue → finding less the stages: the queue, the trip to the worker and back (the
 * request carries file paths, the answer the map and the key image PNG), the key image and the
 * store. A worker's start-up is timed apart: a fresh pool's first pack check less a second one.
 *
 *   npx tsx test/bench/triage.ts        (RUNS=7 WORKERS=2 THREADS=1 PACKS=test/bench/packs CT=bench-ct CXR=bench-cxr)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode, type VigilNode } from '../../src/node.js';
import { writePhantom } from '../../src/tools/phantom/phantom.js';
import type { Finding } from '../../src/domain/finding.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { writeRadiograph } from '../helpers/pixel-fixtures.js';
import { WorkerPool } from '../../src/triage/worker/pool.js';
import type { JobResult, PackRef } from '../../src/triage/worker/protocol.js';

const RUNS = Number(process.env.RUNS ?? 7);
const WORKERS = Number(process.env.WORKERS ?? 2);
const THREADS = Number(process.env.THREADS ?? 1);
const PACKS = path.resolve(process.env.PACKS ?? 'test/bench/packs');
const CT_MODEL = process.env.CT ?? 'bench-ct';
const CXR_MODEL = process.env.CXR ?? 'bench-cxr';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-triage-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

function headCt(): string[] {
  // 3 mm slices give about 50; the 40 around the middle make the series.
  const all = path.join(work, 'ct-all');
  const files = writePhantom({ kind: 'head-ct', finding: 'ich', seed: 7, sliceThicknessMm: 3 }, all).files.map((f) => path.join(all, path.basename(f)));
  const start = Math.floor((files.length - 40) / 2);
  const dir = path.join(work, 'ct');
  fs.mkdirSync(dir);
  return files.slice(start, start + 40).map((f) => {
    const to = path.join(dir, path.basename(f));
    fs.copyFileSync(f, to);
    return to;
  });
}

function jpegLs(files: string[]): string[] {
  const dir = path.join(work, 'ct-jls');
  fs.mkdirSync(dir);
  return files.map((f) => {
    const to = path.join(dir, path.basename(f));
    execFileSync('dcmcjpls', [f, to]);
    // A new series, so that the node keeps both copies.
    execFileSync('dcmodify', ['-nb', '-m', '(0020,000e)=2.25.990001', '-m', `(0008,0018)=2.25.99${path.basename(f).replace(/\D/g, '')}`, to]);
    return to;
  });
}

function chestRadiograph(): string[] {
  // Lungs darker than the mediastinum and ribs, with fine noise so that compression is honest.
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 64) - 32;
  const file = writeRadiograph(path.join(work, 'cxr', 'cxr.dcm'), {
    rows: 2000,
    columns: 2000,
    pixelSpacing: [0.175, 0.175],
    window: { center: 2048, width: 4096 },
    photometric: 'MONOCHROME1',
    seed: 'bench-cxr',
    value: (r, c) => {
      const lung = Math.hypot((c % 1000) - 500, r - 900) < 420 ? -900 : 0;
      const rib = Math.abs(((r + c / 4) % 160) - 80) < 12 ? 300 : 0;
      return Math.max(0, Math.min(4095, 2400 + lung + rib + noise()));
    },
  });
  return [file];
}

async function seriesOf(node: VigilNode, files: string[], proposal: string[] = []): Promise<string> {
  const before = new Set(node.index.listIds('series', 0, 10_000));
  const sent = await storescu(node.dicom.port, files, { extra: proposal });
  if (storeResponses(sent).success !== files.length) throw new Error(`storescu: ${sent.stderr.slice(-500)}`);
  const id = node.index.listIds('series', 0, 10_000).find((s) => !before.has(s));
  if (!id) throw new Error('series not indexed');
  return id;
}

async function timeJobs(node: VigilNode, seriesId: string, modelId: string): Promise<{ wallMs: number[]; findings: Finding[] }> {
  const wallMs: number[] = [];
  const findings: Finding[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const started = performance.now();
    const { job } = node.triage.enqueue({ seriesId, modelId, seriesVersion: 1000 + run });
    const finding = await new Promise<Finding>((resolve, reject) => {
      const poll = () => {
        const j = node.triage.jobs.get(job.id)!;
        if (j.state === 'done') return resolve(node.triage.findings.get(j.findingId!)!);
        if (j.state === 'failed' || j.state === 'dead') return reject(new Error(`${j.error?.code}: ${j.error?.detail}`));
        setImmediate(poll);
      };
      poll();
    });
    // Run 0 warms the workers (thread start, session load) and is left out.
    if (run > 0) {
      wallMs.push(performance.now() - started);
      findings.push(finding);
    }
  }
  return { wallMs, findings };
}

/**
 * What crossing the boundary costs, apart from everything else: a JobResult as big as the CT
 * job's (its map and key image PNG) sent to an echoing worker thread (postMessage, the buffers
 * transferred as the thread pool did) and to an echoing child process (fork's IPC channel,
 * advanced serialisation, as the process pool does), and back; median of 50 round trips each,
 * the two interleaved.
 */
async function transportMs(result: JobResult): Promise<{ thread: number; process: number; bytes: number }> {
  const echo = path.join(work, 'echo.cjs');
  fs.writeFileSync(echo, "process.on('message', (m) => process.send(m)); process.on('disconnect', () => process.exit(0));");
  const child = fork(echo, [], { serialization: 'advanced', stdio: 'ignore' });
  const thread = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m, [m.map.buffer, ...(m.keyImagePng ? [m.keyImagePng.buffer] : [])]));",
    { eval: true },
  );
  const copy = (): JobResult => ({ ...result, map: result.map.slice(), keyImagePng: result.keyImagePng ? result.keyImagePng.slice() : null });
  const viaProcess = async () => {
    const message = copy();
    const t0 = performance.now();
    await new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
    return performance.now() - t0;
  };
  const viaThread = async () => {
    const message = copy();
    const t0 = performance.now();
    await new Promise((resolve) => {
      thread.once('message', resolve);
      thread.postMessage(message, [message.map.buffer as ArrayBuffer, ...(message.keyImagePng ? [message.keyImagePng.buffer as ArrayBuffer] : [])]);
    });
    return performance.now() - t0;
  };
  const threads: number[] = [];
  const processes: number[] = [];
  await viaThread();
  await viaProcess();
  for (let i = 0; i < 50; i++) {
    threads.push(await viaThread());
    processes.push(await viaProcess());
  }
  child.disconnect();
  await thread.terminate();
  return { thread: median(threads), process: median(processes), bytes: result.map.byteLength + (result.keyImagePng?.byteLength ?? 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(label: string, flops: number | undefined, { wallMs, findings }: { wallMs: number[]; findings: Finding[] }): void {
  const stage = (k: keyof Finding['timings']) => median(findings.map((f) => f.timings[k]));
  const inference = stage('inferenceMs');
  const gflops = flops ? ` | ${(flops / 1e9 / (inference / 1000)).toFixed(1)} GFLOP/s` : '';
  const other = median(wallMs.map((w, i) => w - findings[i]!.timings.decodeMs - findings[i]!.timings.preprocessMs - findings[i]!.timings.inferenceMs));
  console.log(
    `| ${label} | ${median(wallMs).toFixed(0)} | ${stage('decodeMs').toFixed(0)} | ${stage('preprocessMs').toFixed(0)} | ${inference.toFixed(0)}${gflops} | ${other.toFixed(0)} |`,
  );
}

/** A worker's start-up: a fresh one-worker pool's first check of `pack` less a second check (median of RUNS pools). */
async function workerStartMs(pack: PackRef): Promise<{ startMs: number; checkMs: number }> {
  const starts: number[] = [];
  const checks: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const pool = new WorkerPool({ size: 1, heapMb: 2048, log: silentLogger() });
    try {
      const t0 = performance.now();
      await pool.run({ kind: 'check-pack', pack }, 120_000);
      const t1 = performance.now();
      await pool.run({ kind: 'check-pack', pack }, 120_000);
      const t2 = performance.now();
      starts.push(t1 - t0 - (t2 - t1));
      checks.push(t2 - t1);
    } finally {
      await pool.stop();
    }
  }
  return { startMs: median(starts), checkMs: median(checks) };
}

const ctFiles = headCt();
const jlsFiles = jpegLs(ctFiles);
const cxrFiles = chestRadiograph();
const config = configSchema.parse({
  dataDir: path.join(work, 'data'),
  dicom: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  storage: { fsync: false, minFreeMb: 0 },
  triage: { modelsDir: PACKS, workers: WORKERS, inferenceThreads: THREADS },
});
const node = await startNode(config, { log: silentLogger() });
try {
  for (const m of node.triage.registry.list()) if (m.status !== 'available') throw new Error(`${m.id}: ${m.reason?.detail}`);
  const flopsOf = (id: string) => node.triage.registry.get(id)?.manifest?.model.flops;
  const ct = await seriesOf(node, ctFiles);
  const jls = await seriesOf(node, jlsFiles, ['-R', '-xt']);
  const cxr = await seriesOf(node, cxrFiles);
  console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model}), ${WORKERS} workers × ${THREADS} ORT threads, median of ${RUNS} runs, ms\n`);
  console.log('| job | enqueue → finding | read + decode | preprocess | inference | achieved | other |');
  console.log('|---|---|---|---|---|---|---|');
  report(`head CT 40 × 512², uncompressed (${CT_MODEL})`, flopsOf(CT_MODEL), await timeJobs(node, ct, CT_MODEL));
  report(`head CT 40 × 512², JPEG-LS (${CT_MODEL})`, flopsOf(CT_MODEL), await timeJobs(node, jls, CT_MODEL));
  report(`chest radiograph 2,000², uncompressed (${CXR_MODEL})`, flopsOf(CXR_MODEL), await timeJobs(node, cxr, CXR_MODEL));
  const manifest = node.triage.registry.get(CXR_MODEL)!.manifest!;
  const { startMs, checkMs } = await workerStartMs({ dir: path.join(PACKS, CXR_MODEL), manifest, threads: THREADS });
  console.log(`\nworker start-up (fresh pool's first ${CXR_MODEL} check less a second one): ${startMs.toFixed(0)} ms; a warm check: ${checkMs.toFixed(0)} ms`);
  const ctManifest = node.triage.registry.get(CT_MODEL)!.manifest!;
  const ctPack: PackRef = { dir: path.join(PACKS, CT_MODEL), manifest: ctManifest, threads: THREADS };
  const pool = new WorkerPool({ size: 1, heapMb: 2048, log: silentLogger() });
  try {
    const ctResult = await pool.run({ kind: 'run-job', pack: ctPack, files: ctFiles, keyImageMaxSide: config.triage.keyImageMaxSide }, 120_000);
    const t = await transportMs(ctResult);
    console.log(
      `a ${CT_MODEL} result (${(t.bytes / 1e3).toFixed(0)} kB: map and key image) to an echoing worker and back, median of 50: thread ${t.thread.toFixed(2)} ms, process ${t.process.toFixed(2)} ms`,
    );
  } finally {
    await pool.stop();
  }
} finally {
  await node.stop();
}
