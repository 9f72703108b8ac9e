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
 * Two more targets keep their index on a throw-away PostgreSQL 15 server (bench-postgres.ts:
 * fsync on, pg_stat_statements), started once for the run, a fresh database for every push:
 * `vigil-pg` (the node with VIGIL_DATABASE_URL) and `orthanc-pg` (Orthanc with Debian's
 * PostgreSQL index plugin, its files on disk as the plain Orthanc's). For them the table adds the
 * server's CPU time per instance (the postmaster and every process it forked) and its round trips
 * per instance (statements the target sent, from pg_stat_statements), and Vigil-PG's ratios to
 * Vigil and to Orthanc-PG.
 *
 *   npx tsx test/bench/ingest.ts            (REPS=3 SERIES=3 SLICES=200 PARALLELS="1 4" TARGETS="vigil orthanc storescp")
 *   TARGETS="vigil vigil-pg orthanc orthanc-pg storescp" npx tsx test/bench/ingest.ts    every target
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
import { POSTGRES_BIN } from '../helpers/postgres.js';
import { which } from '../helpers/tools.js';
import { BenchPostgres, type ServerCost } from './bench-postgres.js';
import { childPids, cpuSeconds, peakRssKb, pssKb } from './proc-stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPS = Number(process.env.REPS ?? 3);
const SERIES = Number(process.env.SERIES ?? 3);
const SLICES = Number(process.env.SLICES ?? 200);
/** Instances of the unrecorded push that comes before each measured one. */
const WARM_UP_SLICES = Number(process.env.WARM_UP_SLICES ?? 60);
const PARALLELS = (process.env.PARALLELS ?? '1 4').split(/\s+/).map(Number);
const KNOWN_TARGETS = ['vigil', 'vigil-pg', 'orthanc', 'orthanc-pg', 'storescp'] as const;
type Target = (typeof KNOWN_TARGETS)[number];
const TARGETS = (process.env.TARGETS ?? 'vigil orthanc storescp').split(/\s+/).filter(Boolean) as Target[];
const ORTHANC_PG_PLUGIN = process.env.ORTHANC_PG_PLUGIN ?? '/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so';
const WITH_POSTGRES = TARGETS.some((t) => t.endsWith('-pg'));
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
  target: Target;
  parallel: number;
  seconds: number;
  instances: number;
  bytes: number;
  /** CPU seconds (user + system, every thread) the receiving process spent during the push. */
  serverCpuSeconds: number;
  peakRssMb?: number;
  /** Of peakRssMb, the triage worker processes' (their PSS at the end of the push). */
  workersRssMb?: number;
  /** The PostgreSQL targets: what the server spent on the push. */
  database?: ServerCost;
}

const unknownTargets = TARGETS.filter((t) => !KNOWN_TARGETS.includes(t));
if (unknownTargets.length > 0) {
  console.error(`unknown target ${unknownTargets.join(', ')} (known: ${KNOWN_TARGETS.join(' ')})`);
  process.exit(2);
}

for (const tool of [
  'storescu',
  'echoscu',
  ...(TARGETS.some((t) => t.startsWith('orthanc')) ? ['Orthanc'] : []),
  ...(TARGETS.includes('storescp') ? ['storescp'] : []),
]) {
  if (!which(tool)) {
    console.error(`missing ${tool}: apt-get install -y dcmtk orthanc`);
    process.exit(2);
  }
}
for (const [file, pkg] of [
  ...(WITH_POSTGRES ? [[path.join(POSTGRES_BIN, 'initdb'), 'postgresql']] : []),
  ...(TARGETS.includes('orthanc-pg') ? [[ORTHANC_PG_PLUGIN, 'orthanc-postgresql']] : []),
]) {
  if (!fs.existsSync(file!)) {
    console.error(`missing ${file}: apt-get install -y ${pkg}`);
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

// One server for the run (started before any push, so its start-up is in no window), a fresh database per push.
const postgres = WITH_POSTGRES ? await BenchPostgres.start() : undefined;
const runs: Run[] = [];
for (let rep = 0; rep < REPS; rep++) {
  for (const parallel of PARALLELS) {
    // Every other repetition the order turns round: on a VM whose CPUs slow down under
    // sustained load, the one pushing last would otherwise always pay for it.
    for (const target of rep % 2 === 0 ? TARGETS : [...TARGETS].reverse()) {
      const run =
        target === 'storescp'
          ? await benchStorescp(parallel, rep)
          : target === 'vigil' || target === 'vigil-pg'
            ? await benchVigil(target, parallel, rep)
            : await benchOrthanc(target, parallel, rep);
      runs.push(run);
      console.log(
        `  rep ${rep + 1} ${target.padEnd(10)} P=${parallel}: ${(run.instances / run.seconds).toFixed(1)} inst/s` +
          (run.peakRssMb ? `, peak RSS ${run.peakRssMb.toFixed(0)} MB (triage workers' PSS ${run.workersRssMb!.toFixed(0)} MB of it)` : '') +
          (run.database
            ? `, PostgreSQL ${((run.database.cpuSeconds * 1000) / run.instances).toFixed(2)} ms CPU and ${(run.database.statements / run.instances).toFixed(1)} round trips per instance`
            : ''),
      );
      for (const { calls, query } of run.database?.top ?? []) console.log(`      ${(calls / run.instances).toFixed(2)} per instance: ${query}`);
    }
  }
}
await postgres?.stop();
printSummary(runs);

async function benchVigil(target: 'vigil' | 'vigil-pg', parallel: number, rep: number): Promise<Run> {
  const dataDir = path.join(work, `${target}-${parallel}-${rep}`);
  const tlsPort = TLS ? await freePort() : undefined;
  const config: Record<string, string> = tlsPort ? { VIGIL_CONFIG: vigilTlsConfig(tlsPort) } : {};
  const database = target === 'vigil-pg' ? await postgres!.createDatabase() : undefined;
  const node = await startNodeProcess(dataDir, {
    VIGIL_LOG_LEVEL: 'warn',
    ...config,
    ...(database && { VIGIL_DATABASE_URL: database.url }),
    ...vigilEnv(),
  });
  started.push(node.child);
  const port = tlsPort ?? node.dicomPort;
  try {
    await push(port, 'VIGIL', parallel, node.child.pid!, warmUp);
    const cpuBefore = await postgres?.beforePush();
    const result = await push(port, 'VIGIL', parallel, node.child.pid!, dataset);
    const cost = database ? await postgres!.costSince(cpuBefore!, database.name) : undefined;
    // The node's peak, and its triage worker processes' (the shipped packs were checked in one,
    // which stays warm) memory now, as PSS: the pages they share with the node (the Node binary,
    // libraries) counted once between them, not twice.
    const nodeKb = peakRssKb(node.child.pid!);
    const workersKb = childPids(node.child.pid!).reduce((sum, pid) => sum + pssKb(pid), 0);
    return { target, parallel, ...result, peakRssMb: (nodeKb + workersKb) / 1024, workersRssMb: workersKb / 1024, ...(cost && { database: cost }) };
  } catch (err) {
    // What the node said is the first thing to read when it misbehaves (on PostgreSQL above all).
    console.error(`${target} failed; the node's last output:\n${node.output().slice(-4000)}`);
    throw err;
  } finally {
    node.child.kill('SIGTERM');
    await node.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (database) await postgres!.dropDatabase(database.name);
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

async function benchOrthanc(target: 'orthanc' | 'orthanc-pg', parallel: number, rep: number): Promise<Run> {
  const dir = path.join(work, `${target}-${parallel}-${rep}`);
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const dicomPort = await freePort();
  const httpPort = await freePort();
  const database = target === 'orthanc-pg' ? await postgres!.createDatabase() : undefined;
  fs.writeFileSync(
    path.join(dir, 'orthanc.json'),
    JSON.stringify({
      Name: 'bench',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'storage'),
      Plugins: database ? [ORTHANC_PG_PLUGIN] : [],
      // The index on the server, the files on disk (fsynced, SyncStorageArea's default) as the plain Orthanc's.
      ...(database && {
        PostgreSQL: {
          EnableIndex: true,
          EnableStorage: false,
          Host: database.host,
          Port: database.port,
          Database: database.name,
          Username: database.user,
          Password: '',
          // No exclusive lock on the database: what a site with several Orthancs on one index runs.
          Lock: false,
        },
      }),
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
  // Its log in a file, read when it fails (the plugin says there why it cannot use the database).
  const log = fs.openSync(path.join(dir, 'orthanc.log'), 'w');
  const child = spawn('Orthanc', [path.join(dir, 'orthanc.json')], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  started.push(child);
  try {
    await waitForEcho(dicomPort, 'ORTHANC');
    await push(dicomPort, 'ORTHANC', parallel, child.pid!, warmUp);
    const cpuBefore = await postgres?.beforePush();
    const result = await push(dicomPort, 'ORTHANC', parallel, child.pid!, dataset);
    const cost = database ? await postgres!.costSince(cpuBefore!, database.name) : undefined;
    return { target, parallel, ...result, ...(cost && { database: cost }) };
  } catch (err) {
    console.error(`${target} failed; Orthanc's last output:\n${fs.readFileSync(path.join(dir, 'orthanc.log'), 'utf8').slice(-4000)}`);
    throw err;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
    if (database) await postgres!.dropDatabase(database.name);
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
    await postgres?.beforePush(); // the same checkpoint before every measured push, whichever target
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
  // The PostgreSQL columns only when a target keeps its index there: the default table stays as it was.
  const pgColumns = WITH_POSTGRES ? ' PostgreSQL CPU per instance | round trips per instance |' : '';
  const pgRatios = TARGETS.includes('vigil-pg') ? ' Vigil-PG / Vigil | Vigil-PG / Orthanc-PG |' : '';
  const header = `| associations | target | instances/s | MB/s | server CPU per instance |${pgColumns} peak RSS (Vigil: node peak + triage workers PSS) | Vigil / Orthanc | Vigil / storescp |${pgRatios}`;
  console.log(header);
  console.log(header.replace(/[^|]+/g, '---'));
  for (const parallel of PARALLELS) {
    const rows = TARGETS.map((target) => {
      const mine = all.filter((r) => r.target === target && r.parallel === parallel);
      const rss = mine[0]?.peakRssMb ? `${median(mine.map((r) => r.peakRssMb!)).toFixed(0)} MB` : '–';
      const db = mine.every((r) => r.database) ? mine.map((r) => ({ instances: r.instances, ...r.database! })) : [];
      return {
        target,
        rate: median(mine.map((r) => r.instances / r.seconds)),
        mbps: median(mine.map((r) => r.bytes / 1e6 / r.seconds)),
        cpuMs: median(mine.map((r) => (r.serverCpuSeconds * 1000) / r.instances)),
        dbCpuMs: db.length ? `${median(db.map((d) => (d.cpuSeconds * 1000) / d.instances)).toFixed(2)} ms` : '–',
        roundTrips: db.length ? median(db.map((d) => d.statements / d.instances)).toFixed(1) : '–',
        rss,
      };
    });
    const rate = (target: Target) => rows.find((r) => r.target === target)?.rate;
    const ratio = (a: Target, b: Target) => (rate(a) && rate(b) ? (rate(a)! / rate(b)!).toFixed(2) : '');
    for (const r of rows) {
      const pg = WITH_POSTGRES ? ` ${r.dbCpuMs} | ${r.roundTrips} |` : '';
      const pgRatio = TARGETS.includes('vigil-pg')
        ? r.target === 'vigil-pg'
          ? ` ${ratio('vigil-pg', 'vigil')} | ${ratio('vigil-pg', 'orthanc-pg')} |`
          : '  |  |'
        : '';
      const vsOrthanc = r.target === 'vigil' ? ratio('vigil', 'orthanc') : '';
      const vsStorescp = r.target === 'vigil' ? ratio('vigil', 'storescp') : '';
      console.log(
        `| ${parallel} | ${r.target} | ${r.rate.toFixed(1)} | ${r.mbps.toFixed(1)} | ${r.cpuMs.toFixed(2)} ms |${pg} ${r.rss} | ${vsOrthanc} | ${vsStorescp} |${pgRatio}`,
      );
    }
  }
  // The pairs pushed back to back are the fairest comparison this VM allows: their spread shows the noise.
  const pairs: [Target, Target][] = (
    [
      ['vigil', 'orthanc'],
      ['vigil-pg', 'vigil'],
      ['vigil-pg', 'orthanc-pg'],
    ] as [Target, Target][]
  ).filter(([a, b]) => TARGETS.includes(a) && TARGETS.includes(b));
  if (pairs.length > 0) console.log('');
  for (const [a, b] of pairs) {
    for (const parallel of PARALLELS) {
      const rate = (target: Target, rep: number) => {
        const run = all.filter((r) => r.target === target && r.parallel === parallel)[rep]!;
        return run.instances / run.seconds;
      };
      const byRep = Array.from({ length: REPS }, (_, rep) => (rate(a, rep) / rate(b, rep)).toFixed(2));
      console.log(`${label(a)} / ${label(b)} by repetition, ${parallel} association(s): ${byRep.join(' ')}`);
    }
  }
}

function label(target: Target): string {
  return { vigil: 'Vigil', 'vigil-pg': 'Vigil-PG', orthanc: 'Orthanc', 'orthanc-pg': 'Orthanc-PG', storescp: 'storescp' }[target];
}
