/**
 * Series completeness benchmark: how long after the C-STORE response of a series' last instance
 * the node emits series-stable, when it knows from
 *   counts  Images in Acquisition on every instance (checked against slice positions),
 *   mpps    an MPPS step COMPLETED (N-CREATE / N-SET) before the instances arrive,
 *   idle    neither: the idle window alone (IDLE seconds; Orthanc's StableAge in spirit).
 * The node runs in this process (fsync on) so both moments are read on one clock; the sender is
 * the dcmjs-dimse client, the last instance in an association of its own. A negative figure
 * means the event came before the response reached the sender: the tracker decides inside the
 * store, before the SCP answers.
 *
 *   npx tsx test/bench/series-stable.ts        (SERIES=10 SLICES=40 IDLE=1 IDLE_SERIES=5)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import dimse from '../../src/dicom/net/dimse.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/node.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { mppsAttrs, sendMpps } from '../helpers/mpps-client.js';

const SERIES = Number(process.env.SERIES ?? 10);
const SLICES = Number(process.env.SLICES ?? 40);
const IDLE = Number(process.env.IDLE ?? 1);
const IDLE_SERIES = Number(process.env.IDLE_SERIES ?? 5);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-series-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const config = configSchema.parse({
  dataDir: path.join(work, 'data'),
  dicom: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  storage: { minFreeMb: 0 },
  series: { idleSeconds: IDLE },
});
const node = await startNode(config, { log: silentLogger() });
const stableAt = new Map<string, number>();
node.bus.on('series-stable', (e) => void stableAt.set(e.seriesInstanceUid, performance.now()));

console.log(`${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}; ${SLICES} slices of 64x64 per series; fsync ${config.storage.fsync}`);
await measure('counts', SERIES, async (seed) => writeSeries(path.join(work, seed), { seed, slices: SLICES }));
await measure('mpps', SERIES, async (seed) => {
  const files = writeSeries(path.join(work, seed), { seed, slices: SLICES, imagesInAcquisition: null });
  const series = { seriesInstanceUid: uidFor(`${seed}/series`), sopInstanceUids: files.map((_, i) => uidFor(`${seed}/instance/${i}`)) };
  const step = uidFor(`${seed}/mpps`);
  await sendMpps(node.dicom.port, [
    { kind: 'create', uid: step, attrs: mppsAttrs('IN PROGRESS', [series]) },
    { kind: 'set', uid: step, attrs: mppsAttrs('COMPLETED', [series]) },
  ]);
  return files;
});
await measure(`idle ${IDLE} s`, IDLE_SERIES, async (seed) => writeSeries(path.join(work, seed), { seed, slices: SLICES, imagesInAcquisition: null }));
await node.stop();

/** Sends SERIES series prepared by `prepare`, and prints the spread of stable-after-response. */
async function measure(label: string, count: number, prepare: (seed: string) => Promise<string[]>): Promise<void> {
  const delays: number[] = [];
  for (let n = 0; n < count; n++) {
    const seed = `bench-${label.split(' ')[0]}-${n}`;
    const files = await prepare(seed);
    await send(files.slice(0, -1));
    const respondedAt = await send(files.slice(-1));
    const uid = uidFor(`${seed}/series`);
    while (!stableAt.has(uid)) await new Promise((r) => setTimeout(r, 1));
    delays.push(stableAt.get(uid)! - respondedAt);
  }
  delays.sort((a, b) => a - b);
  const at = (q: number) => `${delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!.toFixed(1)} ms`;
  console.log(
    `${label.padEnd(10)} ${String(count).padStart(3)} series   median ${at(0.5).padStart(10)}   p95 ${at(0.95).padStart(10)}   max ${at(1).padStart(10)}`,
  );
}

/** C-STORE of `files` in one association; resolves with the moment the last response arrived. */
function send(files: string[]): Promise<number> {
  const client = new dimse.Client();
  let last = 0;
  for (const file of files) {
    const request = new dimse.requests.CStoreRequest(file);
    request.on('response', () => void (last = performance.now()));
    client.addRequest(request);
  }
  return new Promise((resolve, reject) => {
    client.on('closed', () => resolve(last));
    client.on('networkError', reject);
    client.send('127.0.0.1', node.dicom.port, 'BENCH', 'VIGIL');
  });
}
