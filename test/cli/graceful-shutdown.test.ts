import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { expect } from 'chai';
import YAML from 'yaml';
import { AlertsPart } from '../../src/alerts/alerts.js';
import { alertsSection } from '../../src/config/sections/alerts.js';
import dimse from '../../src/dicom/net/dimse.js';
import { silentLogger } from '../../src/log/logger.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { JobStore } from '../../src/triage/jobs.js';
import { echoscu, storescu, storeResponses } from '../helpers/dcmtk.js';
import { stallingProxy } from '../helpers/dicom-bytes.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { eventually } from '../helpers/eventually.js';
import { makeFinding } from '../helpers/findings.js';
import { MllpPeer } from '../helpers/mllp-peer.js';
import { freePort, startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { TEST_PACKS } from '../helpers/triage.js';
import { REPEAT_WINDOW_MS } from '../../src/cli/stop-signals.js';

const TOKEN = 'vigil-test-admin-token-graceful-0123456789';

/**
 * `vigil start` (the node in a child process, as `npm start` runs it) and SIGTERM: while storescu
 * pushes a series and a triage job runs, the node refuses new associations, answers the C-STOREs
 * under way, parks the job, closes the index and exits 0, and after a restart every acknowledged
 * instance is there and the job runs to its end; an alert waiting for its ACK stays pending and
 * is sent after the restart; a stalled sender is cut after dicom.timeouts.drainMs; a second
 * signal or a stop past stopTimeoutMs exits non-zero. Nothing here asserts how long anything took.
 */
describe('cli: graceful stop on SIGTERM and Ctrl-C', function () {
  this.timeout(120_000);
  let work: string;
  let node: NodeProcess | undefined;
  beforeEach(() => (work = makeTempDir()));
  afterEach(async () => {
    if (node && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    node = undefined;
    removeDir(work);
  });

  it('drains C-STOREs under way, refuses new associations, parks the running job, exits 0; all is there after a restart', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'echoscu', 'dcmtk');
    const dataDir = path.join(work, 'data');
    const configFile = path.join(work, 'vigil.yaml');
    // One worker, so the job below is the only one running; the shipped triage plugins' models are not here.
    fs.writeFileSync(configFile, `triage:\n  modelsDir: ${JSON.stringify(TEST_PACKS)}\n  workers: 1\nplugins:\n  enabled: []\n`);
    const env = { VIGIL_CONFIG: configFile, VIGIL_ADMIN_TOKEN: TOKEN };
    node = await startNodeProcess(dataDir, env);
    const first = node;
    const api = apiOf(first.httpPort);

    // A series big enough that a job over it is still reading when the stop reaches triage.
    const big = writeSeries(path.join(work, 'big'), { seed: 'graceful-big', slices: 150, rows: 256, columns: 256 });
    expect(storeResponses(await storescu(first.dicomPort, big)).success).to.equal(big.length);
    const [bigSeries] = (await api('POST', '/tools/find', { Level: 'Series', Query: { SeriesInstanceUID: uidFor('graceful-big/series') } })) as string[];

    // The push that SIGTERM interrupts: many small instances in one association.
    const pushed = writeSeries(path.join(work, 'push'), { seed: 'graceful-push', slices: 900, rows: 32, columns: 32 });
    const push = startStorescu(first.dicomPort, pushed);
    await push.responses(20);

    const job = (await api('POST', '/jobs', { seriesId: bigSeries, modelId: 'test-volume' })) as { id: string };
    let claimed = 'queued';
    while (claimed === 'queued') claimed = ((await api('GET', `/jobs/${job.id}`)) as { state: string }).state;
    expect(claimed, 'the job runs when SIGTERM comes').to.equal('running');

    first.child.kill('SIGTERM');
    await first.waitForOutput(/shutting down/);
    // The listener closed in the same tick as that line: a new association is refused.
    const echo = await echoscu(first.dicomPort);
    expect(echo.code, echo.stdout + echo.stderr).to.not.equal(0);
    expect(echo.stdout + echo.stderr).to.match(/refused|Association Request Failed|Association Rejected/i);

    expect(await first.exited, first.output().slice(-3000)).to.equal(0);
    expect(first.output()).to.match(/Vigil stopped/);
    const pushResult = await push.done;
    const acknowledged = storeResponses(pushResult).success;
    expect(acknowledged, 'storescu was interrupted, not finished').to.be.within(20, pushed.length - 1);

    // Between the runs, straight from the files: the stop was clean, nothing half-written.
    expect(fs.readdirSync(path.join(dataDir, 'run')), 'clean stop recorded: no running marker').to.deep.equal([]);
    expect(fs.readdirSync(path.join(dataDir, 'tmp')), 'no temp file left').to.deep.equal([]);
    const walFile = `${indexPath(dataDir)}-wal`;
    expect(fs.existsSync(walFile) ? fs.statSync(walFile).size : 0, 'WAL checkpointed').to.equal(0);
    const db = openDatabase(indexPath(dataDir));
    try {
      expect(new JobStore(db).get(job.id), 'the running job was parked, its attempt given back').to.deep.include({
        state: 'queued',
        attempts: 0,
        findingId: null,
      });
    } finally {
      db.close();
    }

    node = await startNodeProcess(dataDir, env);
    const second = node;
    await second.waitForOutput(/start-up check: store and index agree/);
    const again = apiOf(second.httpPort);
    const stored = (await again('POST', '/tools/find', {
      Level: 'Instance',
      Query: { SeriesInstanceUID: uidFor('graceful-push/series') },
      Expand: true,
      Limit: 1000,
    })) as { MainDicomTags: { SOPInstanceUID: string } }[];
    const storedUids = new Set(stored.map((i) => i.MainDicomTags.SOPInstanceUID));
    // storescu sends the files in the order given: the first `acknowledged` were answered Success.
    const missing = pushed
      .slice(0, acknowledged)
      .map((_, i) => uidFor(`graceful-push/instance/${i}`))
      .filter((uid) => !storedUids.has(uid));
    expect(missing, 'acknowledged instances missing after the restart').to.deep.equal([]);
    // And nothing beyond them: whatever the drain stored, it answered before it aborted.
    expect(storedUids.size).to.equal(acknowledged);

    let state = '';
    while (state !== 'done' && state !== 'failed' && state !== 'dead') {
      await new Promise((r) => setTimeout(r, 100));
      state = ((await again('GET', `/jobs/${job.id}`)) as { state: string }).state;
    }
    expect(state, 'the parked job ran after the restart').to.equal('done');
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);
  });

  it('leaves an alert delivery waiting for its ACK pending (not sent), and sends it after the restart', async () => {
    const peer = new MllpPeer();
    await peer.start();
    try {
      const dataDir = path.join(work, 'data');
      const configFile = path.join(work, 'vigil.yaml');
      const alerts = { destinations: [{ id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port, orderUpdate: 'none', responseTimeoutMs: 120_000 }] };
      fs.writeFileSync(configFile, YAML.stringify({ plugins: { enabled: [] }, dicom: { transferSyntaxes: ['1.2.840.10008.1.2.1'] }, alerts }));
      node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
      const [file] = writeSeries(path.join(work, 'one'), { seed: 'graceful-alert', slices: 1, rows: 16, columns: 16 });
      expect((await sendWithDimseClient(node.dicomPort, dimse.Dataset.fromFile(file!)!.getElements())).status).to.equal(0);
      node.child.kill('SIGTERM');
      expect(await node.exited).to.equal(0);
      const key = seedAlert(dataDir, alerts);

      // The RIS takes the message and never answers: SIGTERM comes while the node waits for the ACK.
      peer.then('silent');
      node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
      await eventually(() => peer.received.length === 1, 'the alert on the wire', 30_000);
      node.child.kill('SIGTERM');
      expect(await node.exited, node.output().slice(-3000)).to.equal(0);
      expect(deliveryStates(dataDir), 'in flight, so still pending: never marked sent without its ACK').to.deep.equal(['pending']);

      node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
      await eventually(() => peer.accepted.length === 1, 'the alert acknowledged after the restart', 30_000);
      expect(peer.accepted).to.deep.equal([key]);
      expect(peer.resent(), 'sent again under the same control id').to.deep.equal([key]);
      node.child.kill('SIGTERM');
      expect(await node.exited).to.equal(0);
      expect(deliveryStates(dataDir)).to.deep.equal(['delivered']);
    } finally {
      await peer.stop();
    }
  });

  /**
   * `npm start` in its own process group, as a terminal runs it (detached also lets a failing
   * run end the node: an orphan would outlive the test).
   */
  async function npmStart(dataDir: string, configFile: string) {
    const [dicomPort, httpPort] = [await freePort(), await freePort()];
    const npm = spawn('npm', ['start'], {
      cwd: path.resolve('.'),
      env: {
        ...process.env,
        VIGIL_CONFIG: configFile,
        VIGIL_DATA_DIR: dataDir,
        VIGIL_DICOM_HOST: '127.0.0.1',
        VIGIL_DICOM_PORT: String(dicomPort),
        VIGIL_HTTP_PORT: String(httpPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    while (!/Vigil ready/.test(out)) {
      if (npm.exitCode !== null) throw new Error(`npm start ended: ${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      npm,
      exited,
      output: () => out,
      killGroup(): void {
        try {
          process.kill(-npm.pid!, 'SIGKILL');
        } catch {
          // the group is gone: everything exited
        }
      },
    };
  }

  it("stops gracefully when SIGTERM goes to `npm start` (the container's command), not only to the node", async () => {
    // npm passes the signal to its child only: the script must exec the node rather than leave a shell in between.
    const dataDir = path.join(work, 'data');
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, 'plugins:\n  enabled: []\n');
    const started = await npmStart(dataDir, configFile);
    try {
      started.npm.kill('SIGTERM');
      expect(await started.exited, started.output().slice(-2000)).to.equal(0);
      expect(started.output()).to.match(/shutting down[\s\S]*Vigil stopped/);
      expect(fs.readdirSync(path.join(dataDir, 'run')), 'clean stop recorded: no running marker').to.deep.equal([]);
    } finally {
      started.killGroup();
    }
  });

  it('takes Ctrl-C on `npm start` (SIGINT from the terminal and again from npm) as one request: exits 0, the next start repairs nothing', async () => {
    const dataDir = path.join(work, 'data');
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, 'plugins:\n  enabled: []\n');
    const started = await npmStart(dataDir, configFile);
    try {
      // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group. npm
      // forwards its copy to the node; two SIGINTs pending at once merge into one, so that copy
      // is sent again here once the node is stopping, as it arrives when npm is a moment late.
      const nodePid = Number(
        execFileSync('pgrep', ['-P', String(started.npm.pid)])
          .toString()
          .trim(),
      );
      process.kill(-started.npm.pid!, 'SIGINT');
      while (!/shutting down/.test(started.output())) await new Promise((r) => setTimeout(r, 20));
      process.kill(nodePid, 'SIGINT');
      expect(await started.exited, started.output().slice(-2000)).to.equal(0);
      expect(started.output()).to.not.match(/second signal while stopping/);
      expect(fs.readdirSync(path.join(dataDir, 'run')), 'clean stop recorded: no running marker').to.deep.equal([]);
    } finally {
      started.killGroup();
    }
    node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
    await node.waitForOutput(/Vigil ready/);
    expect(node.output()).to.not.match(/repaired the store/);
  });

  /** A sender stalled half-way through an instance: the stop waits on it, within its bounds. */
  async function stalledNode(config: string): Promise<{ node: NodeProcess; dataDir: string; proxy: { close(): void } }> {
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, `${config}plugins:\n  enabled: []\n`);
    const dataDir = path.join(work, 'data');
    const started = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
    node = started;
    const [big] = writeSeries(path.join(work, 'big'), { seed: 'graceful-stalled', slices: 1, rows: 1024, columns: 1024 });
    const proxy = await stallingProxy(started.dicomPort, 300_000);
    void storescu(proxy.port, [big!]);
    // The SCP has opened the instance's temp file: the data set is arriving.
    while (fs.readdirSync(path.join(dataDir, 'tmp')).length === 0) await new Promise((r) => setTimeout(r, 20));
    return { node: started, dataDir, proxy };
  }

  it('cuts a stalled C-STORE after dicom.timeouts.drainMs, keeps nothing of it, and exits 0', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const { node: stalled, dataDir, proxy } = await stalledNode('dicom:\n  timeouts:\n    drainMs: 500\n');
    try {
      stalled.child.kill('SIGTERM');
      expect(await stalled.exited, stalled.output().slice(-3000)).to.equal(0);
      expect(fs.readdirSync(path.join(dataDir, 'tmp')), 'the cut instance left no temp file').to.deep.equal([]);
      expect(fs.readdirSync(path.join(dataDir, 'store')), 'nor a stored file').to.deep.equal([]);
    } finally {
      proxy.close();
    }
  });

  it('exits non-zero on a second SIGTERM instead of finishing the stop', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const { node: stalled, proxy } = await stalledNode('dicom:\n  timeouts:\n    drainMs: 60000\n');
    try {
      stalled.child.kill('SIGTERM');
      await stalled.waitForOutput(/DICOM listener closed/);
      // The same signal within REPEAT_WINDOW_MS is the first one again (Ctrl-C delivers SIGINT twice): this one comes after.
      await new Promise((r) => setTimeout(r, REPEAT_WINDOW_MS + 200));
      stalled.child.kill('SIGTERM');
      expect(await stalled.exited).to.not.equal(0);
      expect(stalled.output()).to.match(/second signal while stopping/);
    } finally {
      proxy.close();
    }
  });

  it('exits non-zero when the stop takes longer than stopTimeoutMs', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const { node: stalled, proxy } = await stalledNode('stopTimeoutMs: 1000\ndicom:\n  timeouts:\n    drainMs: 60000\n');
    try {
      stalled.child.kill('SIGTERM');
      expect(await stalled.exited).to.not.equal(0);
      expect(stalled.output()).to.match(/the stop took longer than stopTimeoutMs/);
    } finally {
      proxy.close();
    }
  });
});

/** A critical finding's alert in the outbox of a stopped node (as triage would write it); its HL7 control id. */
function seedAlert(dataDir: string, alerts: unknown): string {
  const db = openDatabase(indexPath(dataDir));
  try {
    const index = new DicomIndex(db);
    const part = new AlertsPart({ config: alertsSection.parse(alerts), db, index, log: silentLogger() });
    const studyId = index.listIds('studies', 0, 10)[0]!;
    const study = index.getResource('studies', studyId)!;
    const seriesId = index.childIds('studies', studyId)[0]!;
    const series = index.getResource('series', seriesId)!;
    const finding = makeFinding({
      studyId,
      seriesId,
      studyInstanceUid: study.mainTags.StudyInstanceUID!,
      seriesInstanceUid: series.mainTags.SeriesInstanceUID!,
      accessionNumber: study.mainTags.AccessionNumber!,
    });
    db.transaction(() => part.outbox.enqueueForFinding(finding))();
    return `${part.deliveries.list({ limit: 10 })[0]!.idempotencyKey}-1`;
  } finally {
    db.close();
  }
}

function deliveryStates(dataDir: string): string[] {
  const db = openDatabase(indexPath(dataDir));
  try {
    return (db.prepare('SELECT state FROM alert_deliveries ORDER BY seq').all() as { state: string }[]).map((r) => r.state);
  } finally {
    db.close();
  }
}

function apiOf(port: number) {
  return async (method: string, url: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };
}

/** storescu in the background, its verbose output followed as it comes (to signal mid-push). */
function startStorescu(port: number, files: string[]) {
  const child = spawn('storescu', ['-v', '-aet', 'STORESCU', '-aec', 'VIGIL', '127.0.0.1', String(port), ...files], {
    env: { ...process.env, TCP_NODELAY: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })),
  );
  return {
    done,
    /** Resolves once storescu has received `count` C-STORE responses. */
    async responses(count: number): Promise<void> {
      while (((stdout + stderr).match(/Received Store Response/g) ?? []).length < count) {
        if (child.exitCode !== null) throw new Error(`storescu ended early: ${(stdout + stderr).slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
