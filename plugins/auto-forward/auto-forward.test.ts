import { expect } from 'chai';
import { apiAs } from '../../test/helpers/api.js';
import { uidFor, writeSeries } from '../../test/helpers/dicom-fixtures.js';
import { freePort, StoreScp, waitFor } from '../../test/helpers/storescp.js';
import { startTestNode, type TestNode } from '../../test/helpers/test-node.js';
import { makeTempDir, removeDir } from '../../test/helpers/tmp.js';
import { requireTool } from '../../test/helpers/tools.js';
import { store } from '../../test/series/helpers.js';
import type { QueuedJob } from '../../src/plugins/sdk.js';

/** The plugin enabled, sending CT (not MR) to the storescp at `port`, retrying every 50-200 ms. */
function forwardTo(port: number) {
  return {
    plugins: {
      enabled: ['auto-forward'],
      config: {
        'auto-forward': {
          destinations: [{ aeTitle: 'PACS', host: '127.0.0.1', port, when: { modalities: ['CT'] } }],
          retry: { initialDelayMs: 50, maxDelayMs: 200 },
          timeoutMs: 2000,
        },
      },
    },
  };
}

function jobs(node: TestNode): QueuedJob[] {
  return node.plugins.queueOf('auto-forward')!.jobs();
}

describe('plugins/auto-forward: stable series to a real DICOM node', function () {
  this.timeout(60_000);
  let peer: StoreScp;
  let work: string;
  const nodes: TestNode[] = [];

  beforeEach(async function () {
    requireTool(this, 'storescp', 'dcmtk');
    peer = new StoreScp(await freePort());
    work = makeTempDir();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.dispose();
    await peer?.dispose();
    if (work) removeDir(work);
  });

  it('sends each matching stable series to storescp, and only those', async () => {
    await peer.start();
    const node = await startTestNode(forwardTo(peer.port));
    nodes.push(node);
    await store(node, writeSeries(`${work}/ct`, { seed: 'ct', slices: 3 }));
    await store(node, writeSeries(`${work}/mr`, { seed: 'mr', slices: 2, modality: 'MR' }));
    await waitFor(() => jobs(node).some((j) => j.state === 'done'), 'the forward');
    expect(peer.files().sort()).to.deep.equal([0, 1, 2].map((i) => `CT.${uidFor(`ct/instance/${i}`)}`).sort());
    expect(jobs(node)).to.have.length(1);

    const api = await apiAs(node, 'it');
    const listed = (await api.get('/plugins/auto-forward/jobs').expect(200)).body as QueuedJob[];
    expect(listed[0]).to.include({ state: 'done', attempts: 1 });
  });

  it('retries with back-off while the peer is down, then delivers', async () => {
    const node = await startTestNode(forwardTo(peer.port));
    nodes.push(node);
    await store(node, writeSeries(work, { slices: 2 }));
    await waitFor(() => (jobs(node)[0]?.attempts ?? 0) >= 2, 'two failed attempts');
    const [waiting] = jobs(node);
    expect(waiting).to.include({ state: 'pending' });
    expect(waiting!.lastError).to.match(/PACS at 127\.0\.0\.1/);

    await peer.start();
    await waitFor(() => jobs(node)[0]?.state === 'done', 'delivery once the peer is up');
    expect(peer.files()).to.have.length(2);
    const plugins = (await (await apiAs(node, 'it')).get('/plugins').expect(200)).body as { id: string; stats: Record<string, unknown> }[];
    expect(plugins.find((p) => p.id === 'auto-forward')!.stats.queue).to.deep.include({ timeouts: 0 });
  });

  it('keeps a waiting forward across a restart', async () => {
    const first = await startTestNode(forwardTo(peer.port));
    await store(first, writeSeries(work, { slices: 2 }));
    await waitFor(() => (jobs(first)[0]?.attempts ?? 0) >= 1, 'a failed attempt');
    await first.stop();

    await peer.start();
    const second = await startTestNode(forwardTo(peer.port), { dataDir: first.dataDir });
    nodes.push(second);
    await waitFor(() => jobs(second)[0]?.state === 'done', 'delivery after the restart');
    expect(peer.files()).to.have.length(2);
  });

  it('refuses a configuration without destinations, with a coded error', async () => {
    const node = await startTestNode({ plugins: { enabled: ['auto-forward'], config: { 'auto-forward': { destinations: [] } } } });
    nodes.push(node);
    const info = node.plugins.list().find((p) => p.id === 'auto-forward')!;
    expect(info.state).to.equal('refused');
    expect(info.lastError).to.include({ code: 'PLUGIN_CONFIG_INVALID' });
  });
});
