import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import request from 'supertest';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { echoscu, storescu, storeResponses } from '../helpers/dcmtk.js';
import { eventually } from '../helpers/eventually.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { copyPacks, ingest, settled } from '../helpers/triage.js';

const FAULT_MODULE = fileURLToPath(new URL('../helpers/worker-fault.mjs', import.meta.url));

/** Bound of the test-stuck pack: long enough for C-ECHO, C-STORE and HTTP to be answered inside it. */
const STUCK_BOUND_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function headCt(dir: string, seed: string): string[] {
  return writeSlices(
    path.join(dir, seed),
    { seed, rows: 16, columns: 16, intercept: -1024 },
    [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
  );
}

describe('triage: a crashed or stuck worker process ends that process, never the node', function () {
  this.timeout(120_000);
  let node: TestNode;
  let work: string;
  let faults: string;
  const nodeOptions = process.env.NODE_OPTIONS;

  before(async () => {
    work = makeTempDir();
    faults = path.join(work, 'faults');
    fs.mkdirSync(faults);
    const models = copyPacks(path.join(work, 'models'), ['test-volume', 'test-radiograph']);
    // test-stuck: the volume pack under another id, with a bound that outlasts the checks below.
    fs.cpSync(path.join(models, 'test-volume'), path.join(models, 'test-stuck'), { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(models, 'test-stuck', 'manifest.json'), 'utf8'));
    fs.writeFileSync(
      path.join(models, 'test-stuck', 'manifest.json'),
      JSON.stringify({ ...manifest, id: 'test-stuck', resources: { ...manifest.resources, timeoutMs: STUCK_BOUND_MS } }),
    );
    // The node's worker processes inherit these; the fault module acts only where a file arms it.
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import=${FAULT_MODULE}`.trim();
    process.env.VIGIL_TEST_WORKER_FAULTS = faults;
    node = await startTestNode({ triage: { modelsDir: models, workers: 2, maxAttempts: 2, retryDelayMs: 0 } });
  });
  after(async () => {
    await node?.dispose();
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
    delete process.env.VIGIL_TEST_WORKER_FAULTS;
    removeDir(work);
  });

  it('a worker that aborts (SIGABRT) fails that attempt only; the job runs again on a fresh process and is done', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'abort'), 'abort');
    fs.writeFileSync(path.join(faults, 'test-volume.abort-once'), '');
    const job = await settled(node, node.triage.enqueue({ seriesId, modelId: 'test-volume' }).job.id);
    expect(job).to.deep.include({ state: 'done', attempts: 2 });
    const crashed = Number(fs.readFileSync(path.join(faults, 'test-volume.aborted'), 'utf8'));
    expect(alive(crashed)).to.equal(false);
    const ended = node.logs.lines.map((l) => JSON.parse(l)).find((l) => l.message === 'triage worker process ended' && l.pid === crashed);
    expect(ended).to.deep.include({ signal: 'SIGABRT', busy: true });
    // The node answers as before.
    expect((await echoscu(node.dicom.port)).code).to.equal(0);
  });

  it('a worker that always aborts: the job is dead with TRIAGE_WORKER_CRASHED after its attempts, other jobs go on', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'always'), 'always');
    fs.writeFileSync(path.join(faults, 'test-volume.abort-always'), '');
    try {
      const job = await settled(node, node.triage.enqueue({ seriesId, modelId: 'test-volume' }).job.id);
      expect(job).to.deep.include({ state: 'dead', attempts: 2 });
      expect(job.error!.code).to.equal('TRIAGE_WORKER_CRASHED');
      expect(job.error!.detail).to.contain('SIGABRT');
    } finally {
      fs.rmSync(path.join(faults, 'test-volume.abort-always'));
    }
    expect((await settled(node, node.triage.enqueue({ seriesId, modelId: 'test-volume', seriesVersion: 2 }).job.id)).state).to.equal('done');
  });

  it('a stuck run: the node answers C-ECHO, C-STORE (storescu) and HTTP meanwhile; killed at its bound, the job runs again and is done', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'echoscu', 'dcmtk');
    const seriesId = await ingest(node, headCt(work, 'stuck'), 'stuck');
    fs.writeFileSync(path.join(faults, 'test-stuck.hang-once'), '');
    const { job } = node.triage.enqueue({ seriesId, modelId: 'test-stuck' });
    const hungFile = path.join(faults, 'test-stuck.hung');
    const hung = Number(await eventually(() => fs.existsSync(hungFile) && fs.readFileSync(hungFile, 'utf8'), 'the worker to hang'));

    const echo = await echoscu(node.dicom.port);
    expect(echo.code, echo.stderr).to.equal(0);
    const more = headCt(work, 'meanwhile');
    expect(storeResponses(await storescu(node.dicom.port, more))).to.deep.equal({ success: more.length, failed: 0 });
    expect((await request(node.app).get('/health')).status).to.equal(200);
    // All of that while the worker was still stuck (its bound is STUCK_BOUND_MS).
    expect(alive(hung), 'the stuck worker outlived the checks').to.equal(true);
    expect(node.triage.jobs.get(job.id)!.state).to.equal('running');

    const done = await settled(node, job.id);
    expect(done).to.deep.include({ state: 'done', attempts: 2 });
    expect(alive(hung)).to.equal(false);
    const killed = node.logs.lines.map((l) => JSON.parse(l)).find((l) => l.message === 'triage worker process killed at its task bound' && l.pid === hung);
    expect(killed).to.deep.include({ boundMs: STUCK_BOUND_MS });
  });
});
