/**
 * Wrong tokens against storage (issue 20, item 3): how long a C-STORE push takes on its own, and
 * while FLOOD requests with wrong tokens are kept in flight. The node runs in its own process as
 * `npm start` (fsync on, the start script's thread pool) with a VIGIL_ADMIN_TOKEN made as the
 * README says (openssl rand -hex 32), so every wrong token of that shape needs a scrypt check.
 * The flood comes from one address; the throttle is set loose so that it stands for many
 * addresses (a throttle per address does not stop a spread-out flood).
 *
 * FLOOD_WITH=health sends the same flood to GET /health (no token, no hash): the cost of the
 * HTTP requests themselves, the floor any refusal of wrong tokens can reach.
 *
 *   npx tsx test/bench/auth-flood.ts        (SLICES=40 FLOOD=200 SIZE=512 FLOOD_WITH=tokens)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { which } from '../helpers/tools.js';

const SLICES = Number(process.env.SLICES ?? 40);
const FLOOD = Number(process.env.FLOOD ?? 200);
const SIZE = Number(process.env.SIZE ?? 512);
const FLOOD_WITH = process.env.FLOOD_WITH === 'health' ? 'health' : 'tokens';
const ADMIN = crypto.randomBytes(32).toString('hex');

if (!which('storescu')) {
  console.error('missing storescu: apt-get install -y dcmtk');
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-flood-'));
const configFile = path.join(work, 'vigil.yaml');
fs.writeFileSync(configFile, 'auth:\n  throttle:\n    delayAfter: 999998\n    blockAfter: 999999\n    maxDelayMs: 0\nstorage:\n  minFreeMb: 0\n');
const node = await startNodeProcess(path.join(work, 'data'), { VIGIL_ADMIN_TOKEN: ADMIN, VIGIL_LOG_LEVEL: 'warn', VIGIL_CONFIG: configFile });
process.on('exit', () => {
  node.child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});
const agent = new http.Agent({ keepAlive: true, maxSockets: FLOOD });
console.log(
  `${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${SLICES} instances of ${SIZE}x${SIZE} per push, ${FLOOD} requests in flight (${FLOOD_WITH === 'health' ? 'GET /health' : 'wrong tokens'})`,
);

const quiet = await push('quiet');
console.log(`push alone:           ${quiet}`);

const statuses = new Map<number, number>();
let flooding = true;
const flood = Promise.all(
  Array.from({ length: FLOOD }, async () => {
    while (flooding) {
      const status =
        FLOOD_WITH === 'health' ? await get('/health', {}) : await get('/system', { Authorization: `Bearer ${crypto.randomBytes(32).toString('hex')}` });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }),
);
// Let the flood fill the node's queues before the push starts.
await new Promise((r) => setTimeout(r, 1000));
const flooded = await push('flooded');
flooding = false;
await flood;
console.log(`push under the flood: ${flooded}`);
console.log(
  `flood answers: ${[...statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${n} × ${s}`)
    .join(', ')}`,
);
const admin = await get('/system', { Authorization: `Bearer ${ADMIN}` });
console.log(`the admin token afterwards: ${admin}`);
process.exit(0);

/** One storescu association with SLICES new instances: seconds until it exits, and how it ended. */
async function push(seed: string): Promise<string> {
  const files = writeSeries(path.join(work, seed), { slices: SLICES, seed, rows: SIZE, columns: SIZE });
  const started = performance.now();
  const failure = await new Promise<string | undefined>((resolve) => {
    execFile(
      'storescu',
      ['-aet', 'BENCH', '-aec', 'VIGIL', '127.0.0.1', String(node.dicomPort), ...files],
      { env: { ...process.env, TCP_NODELAY: '1' } },
      (err, _out, stderr) =>
        resolve(
          err
            ? (stderr
                .split('\n')
                .filter((l) => l.startsWith('E:'))
                .slice(-1)[0] ?? err.message)
            : undefined,
        ),
    );
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  return failure ? `FAILED after ${seconds} s (${failure})` : `${seconds} s`;
}

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: node.httpPort, method: 'GET', path: url, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // A connection the node closed (keep-alive timeout, overload) counts as status 0, not a crash.
    req.on('error', () => resolve(0));
    req.end();
  });
}
