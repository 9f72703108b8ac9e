import { expect } from 'chai';
import type { SeriesStableEvent } from '../../src/events/types.js';
import type { PluginInfo } from '../../src/plugins/host.js';
import { apiAs } from '../helpers/api.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { store } from '../series/helpers.js';
import { sendFiles } from '../../src/dicom/net/store-scu.js';
import { definition, eventPlugin, writePlugin } from './fixtures.js';

const EVENT: SeriesStableEvent = {
  seriesId: 'aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-eeeeeeee',
  studyId: 'aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-ffffffff',
  seriesInstanceUid: '1.2.3.4',
  studyInstanceUid: '1.2.3',
  modality: 'CT',
  version: 1,
  reason: 'counts',
  instanceCount: 3,
  lastInstanceAt: 0,
  stableAt: 0,
};

async function pluginList(node: TestNode): Promise<Record<string, PluginInfo>> {
  const api = await apiAs(node, 'it');
  const res = await api.get('/plugins').expect(200);
  return Object.fromEntries((res.body as PluginInfo[]).map((p) => [p.id, p]));
}

describe('plugins/host: a failing and a hanging plugin beside a healthy one', function () {
  let node: TestNode;
  let folder: string;

  before(async () => {
    folder = makeTempDir('vigil-hospital-plugins-');
    writePlugin(folder, 'healthy', eventPlugin('healthy', ''));
    writePlugin(folder, 'failing', eventPlugin('failing', "throw new Error('model server exploded');"));
    writePlugin(folder, 'hanging', eventPlugin('hanging', 'await new Promise(() => undefined);'));
    node = await startTestNode({ plugins: { folders: [folder], enabled: ['failing', 'hanging', 'healthy'], hookTimeoutMs: 100 } });
  });
  after(async () => {
    await node.dispose();
    removeDir(folder);
  });

  it('loads TypeScript plugins from a hospital folder, each importing the SDK as vigil/sdk', async () => {
    const plugins = await pluginList(node);
    for (const id of ['failing', 'hanging', 'healthy']) {
      expect(plugins[id], id).to.include({ state: 'active', version: '1.2.3', dir: `${folder}/${id}` });
    }
    expect(plugins['auto-forward'], 'found in plugins/ but not enabled').to.include({ state: 'disabled' });
  });

  it('runs the healthy one, and logs, counts and keeps the error of the others', async () => {
    node.bus.emit('series-stable', EVENT);
    await node.plugins.settled();
    const api = await apiAs(node, 'it');
    expect((await api.get('/plugins/healthy/seen').expect(200)).body).to.deep.equal([EVENT.seriesId]);

    const plugins = await pluginList(node);
    expect(plugins.healthy!.stats.onSeriesStable).to.deep.equal({ calls: 1, failures: 0, timeouts: 0 });
    expect(plugins.healthy!.lastError).to.equal(null);
    expect(plugins.failing!.stats.onSeriesStable).to.deep.equal({ calls: 1, failures: 1, timeouts: 0 });
    expect(plugins.failing!.lastError).to.include({ code: 'PLUGIN_HOOK_FAILED', hook: 'onSeriesStable', message: 'model server exploded' });
    expect(plugins.hanging!.stats.onSeriesStable).to.deep.equal({ calls: 1, failures: 0, timeouts: 1 });
    expect(plugins.hanging!.lastError).to.include({ code: 'PLUGIN_HOOK_TIMEOUT', hook: 'onSeriesStable' });
    expect(plugins.failing!.state, 'a failing hook does not unload its plugin').to.equal('active');

    expect(node.logs.text()).to.match(/plugin hook failed.*"plugin":"failing"/);
    const metrics = (await (await apiAs(node, 'service')).get('/metrics').expect(200)).text;
    expect(metrics).to.contain('vigil_plugin_hook_failures_total{plugin="failing",hook="onSeriesStable",kind="error"} 1');
    expect(metrics).to.contain('vigil_plugin_hook_failures_total{plugin="hanging",hook="onSeriesStable",kind="timeout"} 1');
  });

  it('keeps ingest going while plugins fail: instances are stored and the series completes', async () => {
    const work = makeTempDir();
    try {
      await store(node, writeSeries(work, { slices: 2 }));
      await node.plugins.settled();
      const plugins = await pluginList(node);
      expect(plugins.healthy!.stats.onSeriesStable!.calls).to.equal(2);
    } finally {
      removeDir(work);
    }
  });

  it('serves plugin routes only to the roles they declare', async () => {
    const res = await (await apiAs(node, 'radiologist')).get('/plugins/healthy/seen');
    expect(res.status, res.text).to.equal(403);
  });
});

describe('plugins/host: load checks refuse a plugin with a coded error, the others still load', function () {
  let node: TestNode;
  let folder: string;

  before(async () => {
    folder = makeTempDir('vigil-hospital-plugins-');
    const base = (id: string) => `id: '${id}', version: '1.0.0', coreRange: '^0.1.0'`;
    writePlugin(folder, 'good', definition(`${base('good')}, hooks: {}`));
    writePlugin(folder, 'unknown-hook', definition(`${base('unknown-hook')}, hooks: { onStudyStable() {} } as never`));
    writePlugin(folder, 'future', definition(`id: 'future', version: '1.0.0', coreRange: '^9.0.0', hooks: {}`));
    writePlugin(folder, 'lonely', definition(`${base('lonely')}, dependsOn: ['absent'], hooks: {}`));
    writePlugin(folder, 'needs-lonely', definition(`${base('needs-lonely')}, dependsOn: ['lonely'], hooks: {}`));
    writePlugin(folder, 'needs-good', definition(`${base('needs-good')}, dependsOn: ['good'], hooks: {}`));
    writePlugin(folder, 'ping', definition(`${base('ping')}, dependsOn: ['pong'], hooks: {}`));
    writePlugin(folder, 'pong', definition(`${base('pong')}, dependsOn: ['ping'], hooks: {}`));
    writePlugin(folder, 'configured', definition(`${base('configured')}, configSchema: z.strictObject({ port: z.number().int() }), hooks: {}`));
    writePlugin(folder, 'needs-configured', definition(`${base('needs-configured')}, dependsOn: ['configured'], hooks: {}`));
    writePlugin(folder, 'broken', `import { definePlugin } from 'vigil/sdk';\nthrow new Error('syntax of the hospital');\n`);
    writePlugin(folder, 'shapeless', `export default { id: 'shapeless', version: 'one', hooks: {} };\n`);
    writePlugin(
      folder,
      'open-route',
      `import { definePlugin } from 'vigil/sdk';\nexport default definePlugin({ ${base('open-route')}, hooks: { routes(router) { router.get('/x', (_q, r) => r.json({})); } } });\n`,
    );
    node = await startTestNode({
      plugins: {
        folders: [folder],
        enabled: [
          'needs-good',
          'unknown-hook',
          'future',
          'lonely',
          'needs-lonely',
          'ping',
          'pong',
          'configured',
          'needs-configured',
          'broken',
          'shapeless',
          'open-route',
          'missing',
          'good',
        ],
        config: { configured: { port: 'eleven' } },
      },
    });
  });
  after(async () => {
    await node.dispose();
    removeDir(folder);
  });

  it('says why each one was refused', async () => {
    const plugins = await pluginList(node);
    const verdict = (id: string) => [plugins[id]?.state, plugins[id]?.lastError?.code];
    expect(verdict('good')).to.deep.equal(['active', undefined]);
    expect(verdict('needs-good')).to.deep.equal(['active', undefined]);
    expect(verdict('unknown-hook')).to.deep.equal(['refused', 'PLUGIN_UNKNOWN_HOOK']);
    expect(verdict('future')).to.deep.equal(['refused', 'PLUGIN_CORE_VERSION']);
    expect(verdict('lonely')).to.deep.equal(['refused', 'PLUGIN_MISSING_DEPENDENCY']);
    expect(verdict('needs-lonely')).to.deep.equal(['refused', 'PLUGIN_MISSING_DEPENDENCY']);
    expect(verdict('ping')).to.deep.equal(['refused', 'PLUGIN_DEPENDENCY_CYCLE']);
    expect(verdict('pong')).to.deep.equal(['refused', 'PLUGIN_DEPENDENCY_CYCLE']);
    expect(verdict('configured')).to.deep.equal(['refused', 'PLUGIN_CONFIG_INVALID']);
    expect(plugins.configured!.lastError!.message).to.contain('plugins.config.configured.port');
    expect(verdict('needs-configured')).to.deep.equal(['refused', 'PLUGIN_MISSING_DEPENDENCY']);
    expect(verdict('broken')).to.deep.equal(['failed', 'PLUGIN_LOAD_FAILED']);
    expect(verdict('shapeless')).to.deep.equal(['refused', 'PLUGIN_INVALID']);
    expect(verdict('open-route')).to.deep.equal(['refused', 'PLUGIN_ROUTE_UNGUARDED']);
    expect(verdict('missing')).to.deep.equal(['refused', 'PLUGIN_NOT_FOUND']);
  });

  it('loads a plugin after the plugins it depends on', async () => {
    const active = Object.values(await pluginList(node))
      .filter((p) => p.state === 'active')
      .map((p) => p.id);
    expect(active).to.deep.equal(['good', 'needs-good']);
  });
});

describe('plugins/host: filterIncomingStore', function () {
  let node: TestNode;
  let folder: string;
  let work: string;

  before(async () => {
    folder = makeTempDir('vigil-hospital-plugins-');
    work = makeTempDir();
    writePlugin(
      folder,
      'no-mr',
      `import { definePlugin } from 'vigil/sdk';
export default definePlugin({ id: 'no-mr', version: '1.0.0', coreRange: '^0.1.0', hooks: {
  filterIncomingStore(instance) { return instance.tags.series.Modality === 'MR' ? { status: 0xa901, reason: 'no MR here' } : undefined; },
} });`,
    );
    writePlugin(
      folder,
      'slow-filter',
      `import { definePlugin } from 'vigil/sdk';
export default definePlugin({ id: 'slow-filter', version: '1.0.0', coreRange: '^0.1.0', hooks: {
  async filterIncomingStore(instance, ctx, call) { await new Promise((r) => call.signal.addEventListener('abort', r)); return { reason: 'too late' }; },
} });`,
    );
    node = await startTestNode({ plugins: { folders: [folder], enabled: ['slow-filter', 'no-mr'], filterTimeoutMs: 50 } });
  });
  after(async () => {
    await node.dispose();
    removeDir(folder);
    removeDir(work);
  });

  const send = (files: string[]) => sendFiles({ host: '127.0.0.1', port: node.dicom.port, aeTitle: 'VIGIL' }, files, { callingAeTitle: 'MODALITY' });

  it('refuses with the plugin status, and accepts past a hanging filter (onFilterFailure: accept)', async () => {
    const mr = await send(writeSeries(`${work}/mr`, { seed: 'mr', modality: 'MR', slices: 1 }));
    expect(mr.statuses).to.deep.equal([0xa901]);
    const ct = await send(writeSeries(`${work}/ct`, { seed: 'ct', modality: 'CT', slices: 1 }));
    expect(ct.statuses).to.deep.equal([0]);
    expect(node.index.count('instances')).to.equal(1);
    const plugins = await pluginList(node);
    expect(plugins['slow-filter']!.stats.filterIncomingStore).to.include({ timeouts: 2 });
  });
});
