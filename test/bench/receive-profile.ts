/**
 * Where the receiving thread's time goes. Starts the node as `npm start` does, with V8's
 * `--cpu-prof`, warms it with an unrecorded push (60 instances), then pushes N synthetic 512² CT
 * instances with storescu over PARALLEL associations (TCP_NODELAY=1), stops it and prints:
 *
 * - the thread's self time by area (PDU / network, dataset parse, main tags, file write / fsync,
 *   index write, response encoding, GC...), counting only the samples taken during the measured
 *   push (V8's profile clock and ours are both CLOCK_MONOTONIC);
 * - the top functions by self time, each with its area;
 * - the node process's CPU time per instance during the push (user + system, every thread:
 *   libuv's pool included, which the profile of the main thread does not see), the receiving
 *   thread's own CPU time (/proc/PID/task/PID: what it ran, not the time it waited for a CPU,
 *   which the profile's samples count on a loaded machine), and the node's peak RSS.
 *
 * A sample is put in the area of the nearest frame of its stack (from the leaf up) that belongs
 * to one, so that a native call (a socket write, an fsync, a `writev` handed to the pool) counts
 * for the code of ours that made it. The profile stays in the printed folder for DevTools.
 *
 *   npm run bench -- receive-profile     (N=600 PARALLEL=4 VIGIL_GROUP_COMMIT_MS=0)
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { freePort } from '../helpers/node-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.env.N ?? 600);
const PARALLEL = Number(process.env.PARALLEL ?? 4);
const WARM_UP = 60;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-receive-profile-'));
const profiles = path.join(work, 'profiles');

const series = Array.from({ length: PARALLEL }, (_, i) =>
  writeSeries(path.join(work, 'data', `s${i}`), { seed: `profile-${i}`, slices: Math.ceil(N / PARALLEL), rows: 512, columns: 512 }),
);
const warmUp = writeSeries(path.join(work, 'data', 'warm-up'), { seed: 'profile-warm-up', slices: WARM_UP, rows: 512, columns: 512 });
// The data sets' write-back must not land in the measured push.
execFileSync('sync');
const start = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start.replace(
  'exec node ',
  `exec node --cpu-prof --cpu-prof-dir=${profiles} `,
);
const port = await freePort();
const node = spawn('/bin/sh', ['-c', start], {
  cwd: ROOT,
  stdio: 'ignore',
  env: {
    ...process.env,
    VIGIL_CONFIG: path.join(ROOT, 'config/vigil.yaml'),
    VIGIL_DATA_DIR: path.join(work, 'node'),
    VIGIL_DICOM_HOST: '127.0.0.1',
    VIGIL_HTTP_HOST: '127.0.0.1',
    VIGIL_DICOM_PORT: String(port),
    VIGIL_HTTP_PORT: String(await freePort()),
    VIGIL_LOG_LEVEL: 'warn',
    VIGIL_GROUP_COMMIT_MS: process.env.VIGIL_GROUP_COMMIT_MS ?? '0',
  },
});
const exited = new Promise((resolve) => node.once('exit', resolve));
for (let i = 0; ; i++) {
  try {
    execFileSync('echoscu', ['-aec', 'VIGIL', '127.0.0.1', String(port)], { stdio: 'ignore' });
    break;
  } catch {
    if (i > 300) throw new Error('the node did not answer C-ECHO');
    await new Promise((r) => setTimeout(r, 200));
  }
}
const push = (files: string[]) =>
  new Promise<void>((resolve) =>
    spawn('storescu', ['-aec', 'VIGIL', '127.0.0.1', String(port), ...files], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' }).once('exit', () =>
      resolve(),
    ),
  );
await push(warmUp);
const pid = node.pid!; // `exec` in the start script: the shell became the node
const cpu0 = cpuMs(pid);
const thread0 = cpuMs(pid, pid);
const t0 = process.hrtime.bigint();
await Promise.all(series.map(push));
const t1 = process.hrtime.bigint();
const cpu = cpuMs(pid) - cpu0;
const threadCpu = cpuMs(pid, pid) - thread0;
const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
node.kill('SIGTERM');
await exited;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const AREAS = [
  'PDU / network read',
  'dataset parse (dcmjs)',
  'main tags + structure check',
  'file write / fsync',
  'index write (SQLite)',
  'series tracker, events',
  'response encoding / send',
  'store logic (instance-store)',
  'logging, metrics',
  'garbage collection',
  'other',
  'idle',
] as const;
type Area = (typeof AREAS)[number];

/** The area a frame of ours (or of a library) belongs to; undefined lets the frame's caller decide. */
function frameArea({ url, functionName: f }: CallFrame): Area | undefined {
  const file = /\/(src\/.+|node_modules\/[^/]+)/.exec(url)?.[1] ?? '';
  if (file.endsWith('dicom/net/command-set.ts')) return f.startsWith('decode') ? 'PDU / network read' : 'response encoding / send';
  if (file.endsWith('dicom/net/pdata-tf.ts')) return f === 'readControlHeader' ? 'PDU / network read' : 'response encoding / send';
  if (file.endsWith('dicom/net/response-encoder.ts')) return 'response encoding / send';
  if (file.endsWith('dicom/net/scp.ts')) {
    if (['respond', 'sendCommand', 'sendPdu', 'sendOwnCommand'].includes(f)) return 'response encoding / send';
    if (f === 'write' || f === 'end' || f === 'receiveStore') return 'file write / fsync';
    if (f === 'completeStore') return 'store logic (instance-store)';
    return 'PDU / network read';
  }
  if (/src\/dicom\/net\//.test(file)) return 'PDU / network read';
  if (/src\/dicom\/data\/(main-tags|structure-check)\.ts|src\/domain\/(header-summary|resource-ids)\.ts/.test(file)) return 'main tags + structure check';
  if (/src\/dicom\/data\/(header|header-compact)\.ts/.test(file)) return 'dataset parse (dcmjs)';
  if (/src\/dicom\/data\/part10\.ts|src\/store\/(temp-file-writer|kept-bytes|file-store|free-space|same-dataset)\.ts/.test(file)) return 'file write / fsync';
  if (/src\/store\/(dicom-index|changes|group-commit|find)\.ts|src\/db\/|node_modules\/better-sqlite3/.test(file)) return 'index write (SQLite)';
  if (file.endsWith('store/instance-store.ts')) {
    return ['checkIdentity', 'uidProblem', 'structureRefusal'].includes(f) ? 'main tags + structure check' : 'store logic (instance-store)';
  }
  if (/src\/(series|events|worklist|rules|triage)\//.test(file)) return 'series tracker, events';
  if (/src\/(log|metrics)\/|node_modules\/(winston|logform|prom-client)/.test(file)) return 'logging, metrics';
  return undefined; // node internals, dcmjs, dcmjs-dimse: counted for whoever called them
}

/** A stack no frame of which has an area: by its leaf, or by the library it ran in. */
function leafArea(stack: CallFrame[]): Area {
  const leaf = stack[0]!;
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (stack.some((f) => f.url.includes('node_modules/dcmjs/'))) return 'dataset parse (dcmjs)';
  if (stack.some((f) => f.url.includes('node_modules/dcmjs-dimse/'))) return 'PDU / network read';
  if (stack.some((f) => /onStreamRead|stream_base_commons|node:net$/.test(f.functionName + f.url))) return 'PDU / network read';
  return 'other';
}

const file = fs
  .readdirSync(profiles)
  .map((f) => path.join(profiles, f))
  .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const areaOfNode = new Map<number, Area>();
function areaOf(id: number): Area {
  let area = areaOfNode.get(id);
  if (area) return area;
  const stack: CallFrame[] = [];
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x)!.callFrame);
  area = stack.map(frameArea).find((a) => a !== undefined) ?? leafArea(stack);
  areaOfNode.set(id, area);
  return area;
}

const area = new Map<Area, number>();
const fn = new Map<string, { us: number; area: Area }>();
let total = 0;
let at = p.startTime;
for (let i = 0; i < p.samples.length; i++) {
  at += p.timeDeltas[i] ?? 0;
  if (at < Number(t0 / 1000n) || at > Number(t1 / 1000n)) continue;
  const id = p.samples[i]!;
  const d = p.timeDeltas[i + 1] ?? 0; // a sample's time runs until the next one
  const cf = byId.get(id)!.callFrame;
  const a = areaOf(id);
  total += d;
  area.set(a, (area.get(a) ?? 0) + d);
  const key = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}\t${a}`;
  const entry = fn.get(key) ?? { us: 0, area: a };
  entry.us += d;
  fn.set(key, entry);
}

const instances = series.flat().length;
const seconds = Number(t1 - t0) / 1e9;
const ms = (us: number) => (us / 1000).toFixed(0);
const perInstance = (us: number) => (us / 1000 / instances).toFixed(3);
const share = (us: number) => ((100 * us) / total).toFixed(1);
const busy = total - (area.get('idle') ?? 0);
console.log(
  `${instances} instances over ${PARALLEL} association(s) in ${seconds.toFixed(2)} s (${(instances / seconds).toFixed(0)} inst/s); load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; profile ${file}\n`,
);
console.log(
  `node process during the push, per instance: CPU ${(cpu / instances).toFixed(2)} ms (every thread), ` +
    `receiving thread's CPU ${(threadCpu / instances).toFixed(2)} ms, receiving thread busy ${perInstance(busy)} ms (profile: ` +
    `wall time while not idle, which counts the time the thread waited for a CPU); peak RSS ${peakRssMb.toFixed(0)} MB (the node alone)\n`,
);
console.log('| area (receiving thread, self time) | total | per instance | share |\n|---|---|---|---|');
for (const a of AREAS) {
  const us = area.get(a) ?? 0;
  console.log(`| ${a} | ${ms(us)} ms | ${perInstance(us)} ms | ${share(us)} % |`);
}
console.log(`| **busy (all but idle)** | ${ms(busy)} ms | ${perInstance(busy)} ms | ${share(busy)} % |`);
console.log('\n| function (self time) | area | total | per instance | share |\n|---|---|---|---|---|');
for (const [k, { us, area: a }] of [...fn].sort((x, y) => y[1].us - x[1].us).slice(0, 25)) {
  console.log(`| ${k.split('\t')[0]} | ${a} | ${ms(us)} ms | ${perInstance(us)} ms | ${share(us)} % |`);
}
fs.rmSync(path.join(work, 'data'), { recursive: true, force: true });
fs.rmSync(path.join(work, 'node'), { recursive: true, force: true });

/**
 * utime + stime in ms (clock ticks of 1/100 s on Linux): of a process, all its threads, or of
 * one of its threads (the receiving thread is the main one: its id is the process's).
 */
function cpuMs(pid: number, thread?: number): number {
  const stat = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const fields = fs.readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
