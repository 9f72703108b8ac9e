import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { silentLogger } from '../../src/log/logger.js';
import { readManifest } from '../../src/triage/manifest-file.js';
import { WorkerPool } from '../../src/triage/worker/pool.js';
import type { PackRef } from '../../src/triage/worker/protocol.js';
import { isVigilError, type VigilError } from '../../src/core/errors.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { TEST_PACKS } from '../helpers/triage.js';

const FAULT_MODULE = fileURLToPath(new URL('../helpers/worker-fault.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function failure(promise: Promise<unknown>): Promise<VigilError> {
  try {
    await promise;
  } catch (err) {
    if (isVigilError(err)) return err;
    throw err;
  }
  throw new Error('the task succeeded; a failure was expected');
}

describe('triage/worker/pool: worker processes', function () {
  this.timeout(60_000);
  let work: string;
  let faults: string;
  let files: string[];
  let pack: PackRef;
  let pool: WorkerPool;
  const nodeOptions = process.env.NODE_OPTIONS;

  before(() => {
    work = makeTempDir();
    faults = path.join(work, 'faults');
    fs.mkdirSync(faults);
    // Only the worker processes this file starts load the fault module (it acts in no other process).
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import=${FAULT_MODULE}`.trim();
    process.env.VIGIL_TEST_WORKER_FAULTS = faults;
    files = writeSlices(
      path.join(work, 'ct'),
      { seed: 'pool', rows: 16, columns: 16, intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
    );
    const dir = path.join(TEST_PACKS, 'test-volume');
    pack = { dir, manifest: readManifest(path.join(dir, 'manifest.json')), threads: 1 };
  });
  after(() => {
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
    delete process.env.VIGIL_TEST_WORKER_FAULTS;
    removeDir(work);
  });
  beforeEach(() => (pool = new WorkerPool({ size: 1, heapMb: 256, log: silentLogger() })));
  afterEach(() => pool.stop());

  const job = () => pool.run({ kind: 'run-job', pack, files, keyImageMaxSide: 256 }, 30_000);

  it('runs a job in a child process of its own, not in the node', async () => {
    const result = await job();
    expect(result.probability).to.be.a('number');
    expect(result.map).to.be.instanceOf(Float32Array);
    expect(result.keyImagePng).to.be.instanceOf(Uint8Array);
    expect(pool.pids).to.have.length(1);
    expect(pool.pids[0]).to.not.equal(process.pid);
  });

  it('a worker process that aborts fails its task with TRIAGE_WORKER_CRASHED; the next task runs on a new process', async () => {
    fs.writeFileSync(path.join(faults, 'test-volume.abort-once'), '');
    const err = await failure(job());
    expect(err.code).to.equal('TRIAGE_WORKER_CRASHED');
    expect(err.message).to.contain('SIGABRT');
    const crashed = Number(fs.readFileSync(path.join(faults, 'test-volume.aborted'), 'utf8'));
    expect(alive(crashed)).to.equal(false);
    expect((await job()).probability).to.be.a('number');
    expect(pool.pids).to.not.include(crashed);
  });

  it('a run stuck past its bound is killed (SIGKILL) and fails with TRIAGE_TIMEOUT; the next task runs on a new process', async () => {
    fs.writeFileSync(path.join(faults, 'test-volume.hang-once'), '');
    const err = await failure(pool.run({ kind: 'run-job', pack, files, keyImageMaxSide: 256 }, 1_000));
    expect(err.code).to.equal('TRIAGE_TIMEOUT');
    const hung = Number(fs.readFileSync(path.join(faults, 'test-volume.hung'), 'utf8'));
    // retire() awaits the process's end before the next task is dispatched to a new one.
    expect((await job()).probability).to.be.a('number');
    expect(alive(hung)).to.equal(false);
    expect(pool.pids).to.not.include(hung);
  });

  it('a worker process that fills its heap (triage.workerHeapMb) fails its task with TRIAGE_MEMORY_LIMIT', async () => {
    fs.writeFileSync(path.join(faults, 'test-volume.heap-once'), '');
    const err = await failure(job());
    expect(err.code).to.equal('TRIAGE_MEMORY_LIMIT');
    expect(err.message).to.contain('workerHeapMb 256');
    expect((await job()).probability).to.be.a('number');
  });
});
