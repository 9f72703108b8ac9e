import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { eventually, eventuallyAsync } from '../helpers/eventually.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { postgresUrl, usePostgresCluster } from '../helpers/postgres.js';
import { SseClient } from '../helpers/sse-client.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeClusterConfig } from '../helpers/cluster-config.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const TOKEN = 'vigil-pg-cluster-admin-token-0123456789abcdef';
const FAULT_MODULE = fileURLToPath(new URL('../helpers/worker-fault.mjs', import.meta.url));

interface JobView {
  id: string;
  seriesId: string;
  state: string;
  attempts: number;
}
interface FindingView {
  id: string;
  seriesId: string;
  studyId: string;
  positive: boolean;
}

/**
 * Issue 24's cluster: three node processes on one PostgreSQL index (a throw-away PostgreSQL 15
 * server) and one shared data folder.
 *   A `dicom,triage`                  a receiver that also runs triage; its triage worker hangs on
 *                                     its first job (the test-only fault hook) and the node is then
 *                                     killed with SIGKILL mid-job;
 *   B `dicom,triage,alerts,scheduler` the other receiver: idle windows, routing, alerts, and the
 *                                     triage worker that takes A's job over once its lease runs out;
 *   C `api`                           the worklist, its live stream and the API.
 * DCMTK's storescu pushes to both receivers at once, one series split between them. Then every
 * instance is indexed once, every series has one finding, every positive study one alert, and C's
 * worklist and live stream show studies received, triaged and alerted on the other nodes.
 */
describe('cluster on PostgreSQL: two receivers, a triage node killed mid-job, one API node', function () {
  this.timeout(240_000);
  const cluster = usePostgresCluster();
  let work: string;
  let faults: string;
  let hook: WebhookReceiver;
  let live: SseClient;
  const nodes: NodeProcess[] = [];
  const a = (): NodeProcess => nodes[0]!;
  const b = (): NodeProcess => nodes[1]!;
  const c = (): NodeProcess => nodes[2]!;
  const api = async <T>(url: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${c().httpPort}${url}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    work = makeTempDir();
    faults = path.join(work, 'faults');
    fs.mkdirSync(faults);
    hook = new WebhookReceiver();
    const hookUrl = await hook.start();
    const configFile = writeClusterConfig(work, { hookUrl, idleSeconds: 2 });
    const dataDir = path.join(work, 'data');
    const env = { VIGIL_CONFIG: configFile, VIGIL_ADMIN_TOKEN: TOKEN, VIGIL_DATABASE_URL: postgresUrl(await cluster().createDatabase()) };
    // A's triage worker hangs on its first run-job: a run stuck in native code, as far as the node can tell.
    fs.writeFileSync(path.join(faults, 'stroke-ich.hang-once'), '');
    nodes.push(
      await startNodeProcess(dataDir, { ...env, VIGIL_ROLES: 'dicom,triage', NODE_OPTIONS: `--import=${FAULT_MODULE}`, VIGIL_TEST_WORKER_FAULTS: faults }),
    );
    nodes.push(await startNodeProcess(dataDir, { ...env, VIGIL_ROLES: 'dicom,triage,alerts,scheduler' }));
    nodes.push(await startNodeProcess(dataDir, { ...env, VIGIL_ROLES: 'api' }));
    // The API node's live stream, open before anything arrives.
    const ticket = (await (
      await fetch(`http://127.0.0.1:${c().httpPort}/worklist/events/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { url: string };
    live = new SseClient();
    await live.open(c().httpPort, ticket.url);
    await live.next('hello');
  });

  after(async () => {
    live?.close();
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    await hook?.stop();
    if (work) removeDir(work);
  });

  it('indexes once, triages each series once though a triage node dies mid-job, alerts once per positive, and the API node shows it all', async () => {
    const bright = () => (r: number, col: number) => (r >= 8 && r < 16 && col >= 8 && col < 16 ? 1224 : 1064);
    const slices = (n: number, positive: boolean) =>
      Array.from({ length: n }, (_, k) => ({ position: [0, 0, 5 * k] as [number, number, number], value: positive ? bright() : () => 1064 }));
    const geometry = { rows: 32, columns: 32, pixelSpacing: [1, 1] as [number, number], intercept: -1024 };
    const split = writeSlices(path.join(work, 'split'), { seed: 'pg-split', ...geometry }, slices(6, true));
    const normal = writeSlices(path.join(work, 'normal'), { seed: 'pg-normal', ...geometry }, slices(4, false));
    const second = writeSlices(path.join(work, 'second'), { seed: 'pg-second', ...geometry }, slices(4, true));
    // Both receivers at once: one series split between them, one study each besides.
    const pushes = await Promise.all([
      storescu(a().dicomPort, split.slice(0, 3)),
      storescu(b().dicomPort, split.slice(3)),
      storescu(a().dicomPort, normal),
      storescu(b().dicomPort, second),
    ]);
    for (const push of pushes) expect(storeResponses(push).failed, push.stderr).to.equal(0);
    const sent = split.length + normal.length + second.length;

    // A claims a job and its worker hangs in it; then A is killed, its worker with it (its watchdog).
    const hungPid = await eventually(
      () => (fs.existsSync(path.join(faults, 'stroke-ich.hung')) ? fs.readFileSync(path.join(faults, 'stroke-ich.hung'), 'utf8') : undefined),
      "A's triage worker stuck in a job",
      90_000,
    );
    expect(Number(hungPid)).to.be.greaterThan(0);
    const stuck = (await api<{ jobs: JobView[] }>('/jobs?state=running')).jobs;
    expect(stuck.length, 'the job A holds').to.be.at.least(1);
    a().child.kill('SIGKILL');
    await a().exited;

    // B takes the job over once A's lease runs out, and finishes it.
    const findings = await eventuallyAsync(
      async () => {
        const list = await api<FindingView[]>('/findings');
        return new Set(list.map((f) => f.seriesId)).size === 3 ? list : undefined;
      },
      'a finding for each of the three series',
      150_000,
    );
    expect(findings.length, 'one finding per series, not two').to.equal(3);
    const jobs = (await api<{ jobs: JobView[] }>('/jobs')).jobs;
    expect(jobs.length).to.equal(3);
    expect(jobs.every((j) => j.state === 'done')).to.equal(true);
    const takenOver = jobs.find((j) => stuck.some((s) => s.id === j.id))!;
    expect(takenOver.attempts, 'the killed attempt counted, then one more').to.equal(2);

    const statistics = await api<{ CountInstances: number; CountSeries: number; CountStudies: number }>('/statistics');
    expect(statistics, 'every instance indexed once').to.include({ CountInstances: sent, CountSeries: 3, CountStudies: 3 });

    const positives = findings.filter((f) => f.positive);
    expect(positives.length).to.equal(2);
    const raised = await eventually(
      () => {
        const alerts = hook.bodies.map((body) => JSON.parse(body) as { event: string; finding: { id: string } }).filter((e) => e.event === 'alert.raised');
        return alerts.length >= positives.length ? alerts : undefined;
      },
      'an alert for each positive study',
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a duplicate would come within this
    const again = hook.bodies.map((body) => JSON.parse(body) as { event: string; finding: { id: string } }).filter((e) => e.event === 'alert.raised');
    expect(again.length, 'one alert per positive, not one per node').to.equal(positives.length);
    expect(raised.map((r) => r.finding.id).sort()).to.deep.equal(positives.map((f) => f.id).sort());

    const worklist = await api<{ entries: { studyId: string; priority: { effective: string; raisedByAi: boolean } }[] }>('/worklist');
    for (const f of positives)
      expect(worklist.entries.find((e) => e.studyId === f.studyId)?.priority, 'raised on the API node').to.include({ effective: 'stat', raisedByAi: true });
    // The live stream of the API node, which received, triaged and alerted on nothing itself.
    const seen = new Set(live.events.filter((e) => e.event === 'worklist').map((e) => (JSON.parse(e.data) as { studyId: string | null }).studyId));
    for (const f of findings) expect(seen.has(f.studyId), `live change of study ${f.studyId} on the API node`).to.equal(true);
    expect(c().output()).not.to.include('association accepted');
    expect(b().output()).to.include('association accepted');
  });
});
