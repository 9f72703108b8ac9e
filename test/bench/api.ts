/**
 * API benchmark: what authentication and the audit trail cost per request. A node runs in its
 * own process (as `npm start`, fsync on) with a series pushed by storescu; this process sends
 * keep-alive requests, CONCURRENCY at a time, and prints requests/s and latency percentiles for
 *   GET /health (no token: the floor), GET /system (token, not audited),
 *   GET /studies/{id} (token + an audit row), POST /tools/find (token + search + audit row),
 * and the first request of a new token (one scrypt check) against the next one.
 *
 *   npx tsx test/bench/api.ts              (REQUESTS=4000 CONCURRENCY=8 SLICES=200)
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { which } from '../helpers/tools.js';

const REQUESTS = Number(process.env.REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const SLICES = Number(process.env.SLICES ?? 200);
const ADMIN = `bench-${'0123456789abcdef'.repeat(3)}`;

if (!which('storescu')) {
  console.error('missing storescu: apt-get install -y dcmtk');
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-api-'));
const node = await startNodeProcess(path.join(work, 'data'), { VIGIL_ADMIN_TOKEN: ADMIN, VIGIL_LOG_LEVEL: 'warn' });
process.on('exit', () => {
  node.child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});
await waitUntilUp(node.httpPort);

const files = writeSeries(path.join(work, 'series'), { slices: SLICES, seed: 'bench-api', patientName: 'BENCH^API' });
execFileSync('storescu', ['-aet', 'BENCH', '-aec', 'VIGIL', '127.0.0.1', String(node.dicomPort), ...files], { env: { ...process.env, TCP_NODELAY: '1' } });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const auth = { Authorization: `Bearer ${ADMIN}` };
const [studyId] = JSON.parse((await send('GET', '/studies', auth)).body) as string[];
console.log(`${os.cpus().length} CPUs, ${SLICES} instances indexed, ${REQUESTS} requests per route, ${CONCURRENCY} at a time`);

const cases: [string, string, string, Record<string, string>, string?][] = [
  ['GET /health (public)', 'GET', '/health', {}],
  ['GET /system (token, unaudited)', 'GET', '/system', auth],
  ['GET /studies/{id} (token, audited)', 'GET', `/studies/${studyId}`, auth],
  [
    'POST /tools/find (token, audited)',
    'POST',
    '/tools/find',
    { ...auth, 'Content-Type': 'application/json' },
    JSON.stringify({ Level: 'Instance', Query: { PatientName: 'bench*', InstanceNumber: '1?' } }),
  ],
];
// Warm-up: the JIT, and whatever the node still does after the push (series tracking, routing).
for (const [, method, url, headers, body] of cases) await run(method, url, headers, body, Math.min(1000, REQUESTS));
for (const [label, method, url, headers, body] of cases) {
  const { seconds, latencies } = await run(method, url, headers, body, REQUESTS);
  console.log(`${label.padEnd(36)} ${(REQUESTS / seconds).toFixed(0).padStart(6)} req/s   p50 ${ms(latencies, 0.5)}   p99 ${ms(latencies, 0.99)}`);
}

const token = execFileSync(process.execPath, ['src/cli/vigil.mjs', 'token', 'create', '--name', 'bench-new', '--role', 'radiologist'], {
  env: { ...process.env, VIGIL_DATA_DIR: path.join(work, 'data'), VIGIL_CONFIG: '' },
  stdio: ['ignore', 'pipe', 'ignore'],
})
  .toString()
  .trim();
const first = await timed(() => send('GET', '/system', { Authorization: `Bearer ${token}` }));
const second = await timed(() => send('GET', '/system', { Authorization: `Bearer ${token}` }));
console.log(`new token: first request ${first.toFixed(1)} ms (scrypt check), next ${second.toFixed(1)} ms`);
const audited = JSON.parse((await send('GET', '/audit?limit=1', auth)).body) as { entries: unknown[] };
console.log(`audit trail: ${audited.entries.length > 0 ? 'written' : 'EMPTY?'}`);
process.exit(0);

async function run(method: string, url: string, headers: Record<string, string>, body: string | undefined, n: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        next += 1;
        const t = performance.now();
        const res = await send(method, url, headers, body);
        if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${res.body}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
}

function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: node.httpPort, method, path: url, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function waitUntilUp(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => resolve(res.statusCode === 200)).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node did not come up: ${node.output().slice(-2000)}`);
}

function ms(latencies: number[], q: number): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `${sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2)} ms`;
}
