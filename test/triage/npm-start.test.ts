import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startNodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { TEST_PACKS } from '../helpers/triage.js';
import { eventually } from '../helpers/eventually.js';
import { fileURLToPath } from 'node:url';

const FAULT_MODULE = fileURLToPath(new URL('../helpers/worker-fault.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const TOKEN = 'vigil-test-admin-token-0123456789abcdef';

describe('triage: worker processes under `npm start` (tsx)', function () {
  this.timeout(60_000);
  let work: string;
  beforeEach(() => (work = makeTempDir()));
  afterEach(() => removeDir(work));

  it('checks the packs and runs a job in a worker of a node started as npm start does', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, `triage:\n  modelsDir: ${JSON.stringify(TEST_PACKS)}\n  workers: 1\n`);
    const node = await startNodeProcess(path.join(work, 'data'), { VIGIL_CONFIG: configFile, VIGIL_ADMIN_TOKEN: TOKEN });
    try {
      const api = async (method: string, url: string, body?: unknown) => {
        const res = await fetch(`http://127.0.0.1:${node.httpPort}${url}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return (await res.json()) as Record<string, unknown> & Record<string, unknown>[];
      };
      const models = (await api('GET', '/models')) as unknown as { id: string; status: string }[];
      expect(models.map((m) => `${m.id}:${m.status}`)).to.include.members(['test-volume:available', 'test-radiograph:available']);

      const files = writeSlices(
        path.join(work, 'in'),
        { seed: 'npm-start', rows: 16, columns: 16, intercept: -1024 },
        [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
      );
      expect(storeResponses(await storescu(node.dicomPort, files)).success).to.equal(4);
      const [seriesId] = (await api('GET', '/series')) as unknown as string[];
      const job = await api('POST', '/jobs', { seriesId, modelId: 'test-volume' });
      let state = job.state;
      while (state === 'queued' || state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = (await api('GET', `/jobs/${String(job.id)}`)).state;
      }
      expect(state).to.equal('done');
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });

  it('a worker stuck in its run ends when the node is killed (kill -9), not only when its run returns', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const faults = path.join(work, 'faults');
    fs.mkdirSync(faults);
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, `triage:\n  modelsDir: ${JSON.stringify(TEST_PACKS)}\n  workers: 1\n`);
    const node = await startNodeProcess(path.join(work, 'data'), {
      VIGIL_CONFIG: configFile,
      VIGIL_ADMIN_TOKEN: TOKEN,
      // The fault module acts in the worker processes only (it needs their IPC channel).
      NODE_OPTIONS: `--import=${FAULT_MODULE}`,
      VIGIL_TEST_WORKER_FAULTS: faults,
    });
    let hung = 0;
    try {
      const files = writeSlices(
        path.join(work, 'in'),
        { seed: 'orphan', rows: 16, columns: 16, intercept: -1024 },
        [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
      );
      expect(storeResponses(await storescu(node.dicomPort, files)).success).to.equal(4);
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const [seriesId] = (await (await fetch(`http://127.0.0.1:${node.httpPort}/series`, { headers })).json()) as string[];
      fs.writeFileSync(path.join(faults, 'test-volume.hang-once'), '');
      const res = await fetch(`http://127.0.0.1:${node.httpPort}/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ seriesId, modelId: 'test-volume' }),
      });
      expect(res.status).to.equal(201);
      const hungFile = path.join(faults, 'test-volume.hung');
      hung = Number(await eventually(() => fs.existsSync(hungFile) && fs.readFileSync(hungFile, 'utf8'), 'the worker to hang', 30_000));
    } finally {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    expect(hung).to.be.greaterThan(0);
    // Its watchdog thread sees the node gone while its main thread is stuck.
    await eventually(() => !alive(hung), 'the stuck worker of a killed node to end', 30_000);
  });
});
