import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { echoscu, storescu, storeResponses } from '../helpers/dcmtk.js';
import { eventually } from '../helpers/eventually.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeClusterConfig } from '../helpers/cluster-config.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const TOKEN = 'vigil-cluster-admin-token-0123456789abcdef';

/** The processes whose parent is `pid` (a node's triage workers are its children). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}

/**
 * The single-host cluster (config/cluster/README.md): three processes on ONE data folder and ONE
 * SQLite index (WAL). A `dicom` node receives from DCMTK's storescu and indexes; a
 * `triage,alerts,scheduler` node sees the series fall idle, routes it, runs the test model in its
 * worker and sends the webhook alert; an `api` node shows the raised study on the worklist.
 */
describe('cluster: nodes with roles on one data folder and index', function () {
  this.timeout(120_000);
  let work: string;
  let hook: WebhookReceiver;
  const nodes: NodeProcess[] = [];

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    work = makeTempDir();
    hook = new WebhookReceiver();
    const hookUrl = await hook.start();
    // No count tags in the slices: the series is complete when its idle window closes, which
    // only the scheduler-role node watches.
    const configFile = writeClusterConfig(work, { hookUrl, idleSeconds: 1 });
    const dataDir = path.join(work, 'data');
    const env = { VIGIL_CONFIG: configFile, VIGIL_ADMIN_TOKEN: TOKEN };
    // The receiver first: it makes the index; the others join it.
    nodes.push(await startNodeProcess(dataDir, { ...env, VIGIL_ROLES: 'dicom' }));
    nodes.push(await startNodeProcess(dataDir, { ...env, VIGIL_ROLES: 'triage,alerts,scheduler' }));
    nodes.push(await startNodeProcess(dataDir, { ...env, VIGIL_ROLES: 'api' }));
  });

  after(async () => {
    for (const node of nodes) {
      if (node.child.exitCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    await hook?.stop();
    if (work) removeDir(work);
  });

  const receiver = (): NodeProcess => nodes[0]!;
  const worker = (): NodeProcess => nodes[1]!;
  const api = (): NodeProcess => nodes[2]!;
  const get = (node: NodeProcess, url: string, token?: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${node.httpPort}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('receives on the dicom node, triages and alerts on the worker node, and shows the raised study on the api node', async () => {
    const files = writeSlices(
      path.join(work, 'in'),
      { seed: 'cluster-head', rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: (r: number, c: number) => (k === 0 && r >= 8 && r < 16 && c >= 8 && c < 16 ? 1224 : 1064) })),
    );
    const sent = await storescu(receiver().dicomPort, files);
    expect(storeResponses(sent), sent.stderr).to.deep.equal({ success: 4, failed: 0 });

    const raised = await eventually(
      () => hook.bodies.map((b) => JSON.parse(b) as { event: string; finding: { id: string } }).find((b) => b.event === 'alert.raised'),
      'the webhook alert from the worker node',
      60_000,
    );
    const worklist = (await (await get(api(), '/worklist', TOKEN)).json()) as {
      entries: { reason: { findingId: string } | null; priority: { raisedByAi: boolean; effective: string } }[];
    };
    const entry = worklist.entries.find((e) => e.reason?.findingId === raised.finding.id);
    expect(entry, 'the study on the api node worklist').to.not.equal(undefined);
    expect(entry!.priority).to.include({ raisedByAi: true, effective: 'stat' });

    // Who did what, from each process's own log lines.
    expect(receiver().output()).to.include('association accepted');
    expect(worker().output()).not.to.include('association accepted');
    expect(worker().output()).to.include('series stable');
    expect(worker().output()).to.include('triage job queued');
    expect(receiver().output()).not.to.include('series stable');
    expect(receiver().output()).not.to.include('model pack available');
    expect(childrenOf(worker().child.pid!).length, 'the worker node runs its triage worker process').to.be.greaterThan(0);
    expect(childrenOf(receiver().child.pid!), 'no triage worker on the dicom node').to.deep.equal([]);
    expect(childrenOf(api().child.pid!), 'no triage worker on the api node').to.deep.equal([]);
  });

  it('each node says its roles on /health; a node without api serves only /health, /ready and /metrics', async () => {
    for (const [node, roles] of [
      [receiver(), ['dicom']],
      [worker(), ['triage', 'alerts', 'scheduler']],
      [api(), ['api']],
    ] as const) {
      const health = await get(node, '/health');
      expect(health.status).to.equal(200);
      expect(await health.json()).to.deep.equal({ status: 'ok', roles });
      expect(node.output()).to.match(new RegExp(`"roles":${JSON.stringify(roles).replace(/[[\]]/g, '\\$&')}`));
    }
    const metrics = await get(receiver(), '/metrics', TOKEN);
    expect(metrics.status).to.equal(200);
    expect(await metrics.text()).to.include('vigil_');
    expect((await get(receiver(), '/metrics')).status, 'metrics still need a token').to.equal(401);
    const ready = (await (await get(receiver(), '/ready', TOKEN)).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(ready.checks)).to.include('dicom');
    const workerReady = (await (await get(worker(), '/ready', TOKEN)).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(workerReady.checks), 'no DICOM listener to check on a node without dicom').not.to.include('dicom');
    for (const url of ['/worklist', '/studies', '/dicom-web/studies', '/system']) {
      const res = await get(receiver(), url, TOKEN);
      expect(res.status, url).to.equal(404);
    }
    expect((await get(api(), '/system', TOKEN)).status).to.equal(200);
    // The worker and api nodes listen for no DICOM association.
    for (const node of [worker(), api()]) {
      const echo = await echoscu(node.dicomPort);
      expect(echo.code, 'no DICOM listener').to.not.equal(0);
    }
  });
});
