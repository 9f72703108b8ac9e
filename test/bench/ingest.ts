/**
 * Ingest benchmark: the same CT data set pushed with DCMTK storescu (TCP_NODELAY=1) over 1 and
 * 4 associations to Vigil, to Orthanc from Debian and to DCMTK's own storescp, in one run,
 * interleaved (the order turns round in every other repetition), fresh storage for every
 * repetition. Vigil and Orthanc fsync every instance before acknowledging it (Orthanc's default
 * SyncStorageArea=true; Vigil's storage.fsync=true); storescp writes each file and never fsyncs,
 * and indexes nothing: the ceiling of what this machine's disk and loopback let a receiver do
 * (`--fork`: a process per association, so that 4 associations run side by side).
 * Prints instances/s, MB/s, the receiving process's CPU time per instance, the Vigil/Orthanc
 * ratio and Vigil's peak RSS. Every server gets an unrecorded push of another series (60
 * instances) before the measured one, so that the figures are those of a warm process.
 *
 *   npx tsx test/bench/ingest.ts            (REPS=3 SERIES=3 SLICES=200 PARALLELS="1 4" TARGETS="vigil orthanc storescp")
 *   TLS=1 npx tsx test/bench/ingest.ts      the same over DICOM TLS: Vigil's TLS listener
 *                                           (dicom.tls), Orthanc's DicomTlsEnabled, storescu +tla
 *
 * The data set comes from the make-series.py of the bench harness kept beside the repository
 * (shared/bench) and the push from its ingest.sh when they are there (the harness the project
 * measures with); otherwise our own writer makes the same shape (512² CT slices) and storescu is
 * called from here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { freePort, startNodeProcess } from '../helpers/node-process.js';
import { which } from '../helpers/tools.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPS = Number(process.env.REPS ?? 3);
const SERIES = Number(process.env.SERIES ?? 3);
const SLICES = Number(process.env.SLICES ?? 200);
/** Instances of the unrecorded push that comes before each measured one. */
const WARM_UP_SLICES = Number(process.env.WARM_UP_SLICES ?? 60);
const PARALLELS = (process.env.PARALLELS ?? '1 4').split(/\s+/).map(Number);
const TARGETS = (process.env.TARGETS ?? 'vigil orthanc storescp').split(/\s+/);
/**
 * Over DICOM TLS (TLS 1.2+, server certificate checked by storescu, no client certificate): both
 * servers with the test certificate; Vigil's TLS listener beside its plain one, Orthanc's only port.
 */
const TLS = process.env.TLS === '1';
const TLS_CERT = path.join(ROOT, 'test/fixtures/tls/peer-cert.pem');
const TLS_KEY = path.join(ROOT, 'test/fixtures/tls/peer-key.pem');
/** storescu/echoscu options for TLS: anonymous client, the server's certificate trusted. */
const SCU_TLS_OPTIONS = TLS ? ['+tla', '+cf', TLS_CERT] : [];
const SHARED_BENCH = path.resolve(ROOT, '..', 'shared', 'bench');
const SHARED_INGEST = path.join(SHARED_BENCH, 'ingest.sh');

interface Run {
  target: string;
  parallel: number;
  seconds: number;
  instances: number;
  bytes: number;
  /** CPU seconds (user + system, every thread) the receiving process spent during the push. */
  serverCpuSeconds: number;
  peakRssMb?: number;
  /** Of peakRssMb, the triage worker processes' (their PSS at the end of the push). */
  workersRssMb?: number;
}

for (const tool of ['storescu', 'echoscu', ...(TARGETS.includes('orthanc') ? ['Orthanc'] : []), ...(TARGETS.includes('storescp') ? ['storescp'] : [])]) {
  if (!which(tool)) {
    console.error(`missing ${tool}: apt-get install -y dcmtk orthanc`);
    process.exit(2);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-ingest-'));
const started: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

/** What one push sends: a folder (for the harness's ingest.sh), its files and their size. */
interface PushSet {
  folder: string;
  files: string[];
  bytes: number;
}

const dataset = pushSet(process.env.DATASET ?? makeDataset(path.join(work, 'dataset'), SERIES, SLICES, 1));
// Before each measured push, the same server gets this other series, unrecorded: the figures are
// those of a node that has been receiving, as in a hospital, not of its first instances after a
// start (JIT compilation, first statements; about 5 % slower for Vigil). Orthanc gets it too.
const warmUp = pushSet(makeDataset(path.join(work, 'warm-up'), 1, WARM_UP_SLICES, 2));
// The data sets were just written: flush them now, or the kernel writes them back during the
// first pushes and every fsync of the target waits behind it (it cost the target of the moment 20 %).
execFileSync('sync');
console.log(
  `data set: ${dataset.files.length} instances, ${(dataset.bytes / 1e6).toFixed(1)} MB, ${os.cpus().length} CPUs, reps=${REPS}${TLS ? ', over DICOM TLS' : ''}`,
);

const runs: Run[] = [];
for (let rep = 0; rep < REPS; rep++) {
  for (const parallel of PARALLELS) {
    // Every other repetition the order turns round: on a VM whose CPUs slow down under
    // sustained load, the one pushing last would otherwise always pay for it.
    for (const target of rep % 2 === 0 ? TARGETS : [...TARGETS].reverse()) {
      const run =
        target === 'vigil' ? await benchVigil(parallel, rep) : target === 'orthanc' ? await benchOrthanc(parallel, rep) : await benchStorescp(parallel, rep);
      runs.push(run);
      console.log(
        `  rep ${rep + 1} ${target.padEnd(7)} P=${parallel}: ${(run.instances / run.seconds).toFixed(1)} inst/s` +
          (run.peakRssMb ? `, peak RSS ${run.peakRssMb.toFixed(0)} MB (triage workers' PSS ${run.workersRssMb!.toFixed(0)} MB of it)` : ''),
      );
    }
  }
}
printSummary(runs);

async function benchVigil(parallel: number, rep: number): Promise<Run> {
  const dataDir = path.join(work, `vigil-${parallel}-${rep}`);
  const tlsPort = TLS ? await freePort() : undefined;
  const config: Record<string, string> = tlsPort ? { VIGIL_CONFIG: vigilTlsConfig(tlsPort) } : {};
  const node = await startNodeProcess(dataDir, { VIGIL_LOG_LEVEL: 'warn', ...config, ...vigilEnv() });
  started.push(node.child);
  const port = tlsPort ?? node.dicomPort;
  try {
    await push(port, 'VIGIL', parallel, node.child.pid!, warmUp);
    const result = await push(port, 'VIGIL', parallel, node.child.pid!, dataset);
    // The node's peak, and its triage worker processes' (the shipped packs were checked in one,
    // which stays warm) memory now, as PSS: the pages they share with the node (the Node binary,
    // libraries) counted once between them, not twice.
    const nodeKb = peakRssKb(node.child.pid!);
    const workersKb = childPids(node.child.pid!).reduce((sum, pid) => sum + pssKb(pid), 0);
    return { target: 'vigil', parallel, ...result, peakRssMb: (nodeKb + workersKb) / 1024, workersRssMb: workersKb / 1024 };
  } finally {
    node.child.kill('SIGTERM');
    await node.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The shipped config with a DICOM TLS listener on `port` added (the plain one stays: the start waits for it). */
function vigilTlsConfig(port: number): string {
  const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'config/vigil.yaml'), 'utf8'));
  config.dicom = { ...config.dicom, tls: { port, certFile: TLS_CERT, keyFile: TLS_KEY } };
  const file = path.join(work, 'vigil-tls.yaml');
  fs.writeFileSync(file, YAML.stringify(config));
  return file;
}

/** Extra environment for the node under test, e.g. VIGIL_BENCH_ENV="VIGIL_FSYNC=false". */
function vigilEnv(): Record<string, string> {
  const pairs = (process.env.VIGIL_BENCH_ENV ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
}

async function benchOrthanc(parallel: number, rep: number): Promise<Run> {
  const dir = path.join(work, `orthanc-${parallel}-${rep}`);
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const dicomPort = await freePort();
  const httpPort = await freePort();
  fs.writeFileSync(
    path.join(dir, 'orthanc.json'),
    JSON.stringify({
      Name: 'bench',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'storage'),
      Plugins: [],
      HttpPort: httpPort,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      DicomAet: 'ORTHANC',
      DicomPort: dicomPort,
      DicomCheckCalledAet: false,
      DicomAlwaysAllowStore: true,
      StableAge: 60,
      ...(TLS && {
        DicomTlsEnabled: true,
        DicomTlsCertificate: TLS_CERT,
        DicomTlsPrivateKey: TLS_KEY,
        // Orthanc 1.10 wants this list even when it asks no certificate of its peers.
        DicomTlsTrustedCertificates: TLS_CERT,
        DicomTlsRemoteCertificateRequired: false,
      }),
    }),
  );
  const child = spawn('Orthanc', [path.join(dir, 'orthanc.json')], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' });
  started.push(child);
  try {
    await waitForEcho(dicomPort, 'ORTHANC');
    await push(dicomPort, 'ORTHANC', parallel, child.pid!, warmUp);
    return { target: 'orthanc', parallel, ...(await push(dicomPort, 'ORTHANC', parallel, child.pid!, dataset)) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** DCMTK's storescp: writes each instance to a file (no fsync, no index), a process per association. */
async function benchStorescp(parallel: number, rep: number): Promise<Run> {
  const dir = path.join(work, `storescp-${parallel}-${rep}`);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const tlsArgs = TLS ? ['+tls', TLS_KEY, TLS_CERT, '--ignore-peer-cert'] : [];
  const child = spawn('storescp', [...tlsArgs, '--fork', '-aet', 'STORESCP', '-od', dir, String(port)], {
    env: { ...process.env, TCP_NODELAY: '1' },
    stdio: 'ignore',
  });
  started.push(child);
  try {
    await waitForEcho(port, 'STORESCP');
    await push(port, 'STORESCP', parallel, child.pid!, warmUp);
    return { target: 'storescp', parallel, ...(await push(port, 'STORESCP', parallel, child.pid!, dataset)) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Pushes the data set over `parallel` associations; the wall clock and the server's CPU time of it. */
async function push(
  port: number,
  calledAe: string,
  parallel: number,
  serverPid: number,
  set: PushSet,
): Promise<{ seconds: number; instances: number; bytes: number; serverCpuSeconds: number }> {
  const cpu0 = cpuSeconds(serverPid);
  const { seconds, instances } = fs.existsSync(SHARED_INGEST)
    ? await pushWithHarness(port, calledAe, parallel, set)
    : await pushWithStorescu(port, calledAe, parallel, set);
  const serverCpuSeconds = cpuSeconds(serverPid) - cpu0;
  if (instances !== set.files.length) throw new Error(`only ${instances}/${set.files.length} instances acknowledged`);
  return { seconds, instances, bytes: set.bytes, serverCpuSeconds };
}

/**
 * The harness's ingest.sh (beside the repository): contiguous chunks of the sorted file list,
 * a storescu per chunk logging to files, so nothing of ours wakes per instance during the push.
 */
function pushWithHarness(port: number, calledAe: string, parallel: number, set: PushSet): Promise<{ seconds: number; instances: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SHARED_INGEST, '127.0.0.1', String(port), calledAe, set.folder, String(parallel)], {
      env: { ...process.env, TCP_NODELAY: '1', ...(TLS && { STORESCU_OPTS: SCU_TLS_OPTIONS.join(' ') }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      const summary = out.trim().split('\n').pop() ?? '';
      const field = (name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(summary)?.[1]);
      const result = { seconds: field('seconds'), instances: field('instances') };
      if (Number.isFinite(result.seconds) && Number.isFinite(result.instances)) resolve(result);
      else reject(new Error(`ingest.sh gave no summary: ${summary}`));
    });
  });
}

/** Without the harness: the same chunks, a storescu each, their logs read here. */
async function pushWithStorescu(port: number, calledAe: string, parallel: number, set: PushSet): Promise<{ seconds: number; instances: number }> {
  const chunk = Math.ceil(set.files.length / parallel);
  const chunks = Array.from({ length: parallel }, (_, i) => set.files.slice(i * chunk, (i + 1) * chunk));
  const t0 = performance.now();
  const counts = await Promise.all(
    chunks.map(
      (list) =>
        new Promise<number>((resolve) => {
          const child = spawn('storescu', ['-v', ...SCU_TLS_OPTIONS, '-aet', 'BENCHSCU', '-aec', calledAe, '127.0.0.1', String(port), ...list], {
            env: { ...process.env, TCP_NODELAY: '1' },
          });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', () => resolve((out.match(/Received Store Response \((Success|Warning)/g) ?? []).length));
        }),
    ),
  );
  return { seconds: (performance.now() - t0) / 1000, instances: counts.reduce((a, b) => a + b, 0) };
}

function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // ended meanwhile
  }
}

/** Proportional set size: private pages plus a share of those shared with other processes. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // ended meanwhile
  }
}

/** The live child processes of `pid` (every thread's list). */
function childPids(pid: number): number[] {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
}

/**
 * utime + stime of a process, all its threads, and of its children it has reaped (storescp
 * --fork's per-association processes), from /proc (clock ticks of 1/100 s on Linux).
 */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

async function waitForEcho(port: number, calledAe: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      execFileSync('echoscu', [...SCU_TLS_OPTIONS, '-aec', calledAe, '127.0.0.1', String(port)], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${calledAe} did not answer C-ECHO`);
}

/** 512² CT series; the seed sets the UIDs, so two seeds never share an instance. */
function makeDataset(out: string, series: number, slices: number, seed: number): string {
  const shared = path.join(SHARED_BENCH, 'make-series.py');
  if (fs.existsSync(shared)) {
    execFileSync(shared, [out, '--series', String(series), '--slices', String(slices), '--seed', String(seed)], { stdio: 'ignore' });
    return out;
  }
  for (let s = 0; s < series; s++) {
    writeSeries(path.join(out, `series_${s}`), { seed: `bench-${seed}-${s}`, slices, rows: 512, columns: 512 });
  }
  return out;
}

function pushSet(folder: string): PushSet {
  const files = fs
    .readdirSync(folder, { recursive: true })
    .map((f) => path.join(folder, String(f)))
    .filter((f) => fs.statSync(f).isFile())
    .sort();
  return { folder, files, bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function printSummary(all: Run[]): void {
  // A Markdown table the README can quote as it is.
  // A load above the CPU count means other work shared the machine: the figures say so.
  const loaded = os.loadavg()[0]! > os.cpus().length ? ', MEASURED UNDER LOAD (load above the CPU count: absolute figures are pessimistic)' : '';
  console.log(
    `\nmedian of ${REPS} reps${TLS ? ', over DICOM TLS' : ''}; ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}${loaded} (MB = 10^6 bytes)\n`,
  );
  console.log(
    '| associations | target | instances/s | MB/s | server CPU per instance | peak RSS (Vigil: node peak + triage workers PSS) | Vigil / Orthanc | Vigil / storescp |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const parallel of PARALLELS) {
    const rows = TARGETS.map((target) => {
      const mine = all.filter((r) => r.target === target && r.parallel === parallel);
      const rss = mine[0]?.peakRssMb ? `${median(mine.map((r) => r.peakRssMb!)).toFixed(0)} MB` : '–';
      return {
        target,
        rate: median(mine.map((r) => r.instances / r.seconds)),
        mbps: median(mine.map((r) => r.bytes / 1e6 / r.seconds)),
        cpuMs: median(mine.map((r) => (r.serverCpuSeconds * 1000) / r.instances)),
        rss,
      };
    });
    const vigil = rows.find((r) => r.target === 'vigil')?.rate;
    const orthanc = rows.find((r) => r.target === 'orthanc')?.rate;
    const storescp = rows.find((r) => r.target === 'storescp')?.rate;
    for (const r of rows) {
      const ratio = r.target === 'vigil' && vigil && orthanc ? (vigil / orthanc).toFixed(2) : '';
      const ceiling = r.target === 'vigil' && vigil && storescp ? (vigil / storescp).toFixed(2) : '';
      console.log(`| ${parallel} | ${r.target} | ${r.rate.toFixed(1)} | ${r.mbps.toFixed(1)} | ${r.cpuMs.toFixed(2)} ms | ${r.rss} | ${ratio} | ${ceiling} |`);
    }
  }
  if (!TARGETS.includes('vigil') || !TARGETS.includes('orthanc')) return;
  // The pairs pushed back to back are the fairest comparison this VM allows: their spread shows the noise.
  console.log('');
  for (const parallel of PARALLELS) {
    const rate = (target: string, rep: number) => {
      const run = all.filter((r) => r.target === target && r.parallel === parallel)[rep]!;
      return run.instances / run.seconds;
    };
    const pairs = Array.from({ length: REPS }, (_, rep) => (rate('vigil', rep) / rate('orthanc', rep)).toFixed(2));
    console.log(`Vigil / Orthanc by repetition, ${parallel} association(s): ${pairs.join(' ')}`);
  }
}
