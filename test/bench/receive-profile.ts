/**
 * Where the receiving thread's time goes: starts the node as `npm start` does, with V8's
 * `--cpu-prof`, pushes 600 512² CT instances with storescu over PARALLEL associations
 * (TCP_NODELAY=1), stops it, and prints the profile's self time by area and the top functions,
 * counting only the samples from the first one inside src/dicom to the last (start-up and stop
 * left out). The profile itself stays in the printed folder for Chrome's DevTools.
 *
 *   npx tsx test/bench/receive-profile.ts     (PARALLEL=4, VIGIL_GROUP_COMMIT_MS=0)
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { freePort } from '../helpers/node-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PARALLEL = Number(process.env.PARALLEL ?? 4);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-receive-profile-'));
const profiles = path.join(work, 'profiles');

const series = Array.from({ length: PARALLEL }, (_, i) =>
  writeSeries(path.join(work, 'data', `s${i}`), { seed: `profile-${i}`, slices: Math.ceil(600 / PARALLEL), rows: 512, columns: 512 }),
);
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
const t = Date.now();
await Promise.all(series.map(push));
const seconds = (Date.now() - t) / 1000;
node.kill('SIGTERM');
await exited;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}
const file = fs
  .readdirSync(profiles)
  .map((f) => path.join(profiles, f))
  .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inDicom = (id: number): boolean => {
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) if (byId.get(x)!.callFrame.url.includes('/src/dicom/')) return true;
  return false;
};
const first = p.samples.findIndex(inDicom);
let last = p.samples.length - 1;
while (last > first && !inDicom(p.samples[last]!)) last--;
const area = new Map<string, number>();
const fn = new Map<string, number>();
let total = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
for (let i = first; i <= last; i++) {
  const cf = byId.get(p.samples[i]!)!.callFrame;
  const d = p.timeDeltas[i] ?? 0;
  total += d;
  const where = /(node_modules\/[^/]+|src\/[^/]+|node:[^/]+)/.exec(cf.url)?.[1] ?? (cf.url || '(native)');
  add(area, cf.functionName.startsWith('(') ? cf.functionName : where, d);
  add(fn, `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`, d);
}
const instances = series.flat().length;
const row = ([k, us]: [string, number]) =>
  `| ${k} | ${(us / 1000).toFixed(0)} ms | ${(us / 1000 / instances).toFixed(2)} ms | ${((100 * us) / total).toFixed(1)} % |`;
console.log(
  `${instances} instances over ${PARALLEL} association(s) in ${seconds} s; load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; profile ${file}\n`,
);
console.log('| area (self time) | total | per instance | share |\n|---|---|---|---|');
for (const e of [...area].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(row(e));
console.log('\n| function (self time) | total | per instance | share |\n|---|---|---|---|');
for (const e of [...fn].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(row(e));
fs.rmSync(path.join(work, 'data'), { recursive: true, force: true });
fs.rmSync(path.join(work, 'node'), { recursive: true, force: true });
