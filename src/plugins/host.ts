import path from 'node:path';
import { Router } from 'express';
import type { Clock } from '../core/clock.js';
import type { DicomConfig } from '../config/sections/dicom.js';
import type { PluginsConfig } from '../config/sections/plugins.js';
import { isVigilError, VigilError, type ErrorCode } from '../core/errors.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { SeriesState } from '../series/series-state-store.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import type { InstanceStore, StoreCandidate } from '../store/instance-store.js';
import { VERSION } from '../core/version.js';
import { runWithDeadline, type DeadlineOutcome } from '../queue/deadline.js';
import { checkConfig, checkDefinition } from './definition-check.js';
import { createDicomSender } from './dicom-sender.js';
import type { HookName } from './hooks.js';
import { createIndexFacade } from './index-facade.js';
import type { IndexJobQueue } from '../queue/index-queue.js';
import { errorText } from '../queue/worker.js';
import { BUILTIN_PLUGINS_DIR, discoverPlugins, importPlugin, type FoundPlugin } from './loader.js';
import { orderPlugins } from './plugin-order.js';
import { PluginJobQueue } from './queue.js';
import { describeError } from '../log/describe-error.js';
import { checkRouteGuards } from './route-check.js';
import type { HookCall, IncomingInstanceView, PluginContext, PluginDefinition } from './sdk.js';
import type { PluginServices } from './services.js';

/**
 * disabled: found, not enabled in config. refused: a load check failed (its lastError says
 * which). failed: its module or its routes threw while loading. active: loaded and wired.
 * stopped: the node stopped.
 */
export type PluginState = 'disabled' | 'refused' | 'failed' | 'active' | 'stopped';

/** What the host counts per hook; `queue` counts the plugin's queued jobs. */
export type CountedWork = HookName | 'queue';

export interface HookStats {
  calls: number;
  failures: number;
  timeouts: number;
}

export interface PluginError {
  code: ErrorCode;
  message: string;
  hook?: CountedWork;
  at: string;
}

/** One plugin as GET /plugins shows it. */
export interface PluginInfo {
  id: string;
  version: string | null;
  state: PluginState;
  dir: string | null;
  dependsOn: string[];
  hooks: HookName[];
  lastError: PluginError | null;
  stats: Partial<Record<CountedWork, HookStats>>;
}

/** Metrics hooks (the Metrics registry of the API part plugs in here). */
export interface PluginHostObserver {
  hookFailed?(pluginId: string, work: CountedWork, kind: 'error' | 'timeout'): void;
}

export interface PluginHostDeps {
  config: PluginsConfig;
  dicom: DicomConfig;
  db: Db;
  index: DicomIndex;
  files: FileStore;
  bus: EventBus;
  store: InstanceStore;
  series: { stateOf(seriesId: string): SeriesState | undefined };
  clock: Clock;
  log: Logger;
  /** The services a plugin gets in its ctx (src/plugins/lent-services.ts). */
  services?: (pluginId: string) => PluginServices;
  observer?: PluginHostObserver;
  /** Searched before config.folders; the shipped plugins/ by default. */
  builtinFolders?: readonly string[];
  /** The node's durable job queue (its metrics); one of its own on `db` when not given. */
  queue?: IndexJobQueue;
  /** False on a node without the `triage` role: plugin jobs are enqueued here, run elsewhere. */
  claimJobs?: boolean;
}

interface PluginRecord {
  id: string;
  dir: string | null;
  state: PluginState;
  definition?: PluginDefinition;
  ctx?: PluginContext;
  queue?: PluginJobQueue;
  router?: Router;
  lastError: PluginError | null;
  stats: Partial<Record<CountedWork, HookStats>>;
}

/** The DIMSE statuses a filter may refuse with (PS3.4 B.2.3, PS3.7 C); anything else becomes 0x0124. */
const NOT_AUTHORIZED = 0x0124;
function refusalStatus(status: number | undefined): number | undefined {
  if (status === undefined) return NOT_AUTHORIZED;
  const inRange = (lo: number, hi: number) => status >= lo && status <= hi;
  return inRange(0xa700, 0xa7ff) || inRange(0xa900, 0xa9ff) || inRange(0xc000, 0xcfff) || [0x0110, 0x0122, 0x0124].includes(status) ? status : undefined;
}

/**
 * Loads the enabled plugins, checks each (hooks in the vocabulary, core version, dependencies,
 * config) and wires their hooks: filterIncomingStore into the InstanceStore, event hooks to the
 * bus, routes under /plugins/<id>. One plugin's refusal, exception or hang is logged, counted
 * and kept as its lastError; it never stops ingest or the other plugins.
 */
export class PluginHost {
  private readonly records = new Map<string, PluginRecord>();
  private readonly closing = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly unsubscribers: (() => void)[] = [];
  private filterAdded = false;

  constructor(private readonly deps: PluginHostDeps) {}

  async load(): Promise<void> {
    const { config, log } = this.deps;
    const folders = [...(this.deps.builtinFolders ?? [BUILTIN_PLUGINS_DIR]), ...config.folders.map((f) => path.resolve(f))];
    const { found, shadowed } = discoverPlugins(folders);
    for (const plugin of shadowed) {
      log.warn('plugin folder ignored: an earlier folder holds the same id', { code: 'PLUGIN_DUPLICATE_ID', plugin: plugin.id, dir: plugin.dir });
    }
    const enabled = [...new Set(config.enabled)];
    for (const plugin of found) if (!enabled.includes(plugin.id)) this.record(plugin.id, plugin.dir, 'disabled');

    const definitions = new Map<string, PluginDefinition>();
    for (const id of enabled) {
      const plugin = found.find((p) => p.id === id);
      if (!plugin) {
        this.refuse(this.record(id, null, 'refused'), new VigilError('PLUGIN_NOT_FOUND', `plugin ${id} is enabled but no folder holds it`));
        continue;
      }
      const definition = await this.importAndCheck(plugin);
      if (definition) definitions.set(id, definition);
    }

    const { order, missing, cyclic } = orderPlugins([...definitions.keys()], (id) => definitions.get(id)!.dependsOn ?? []);
    for (const [id, dependency] of missing) {
      this.refuse(
        this.records.get(id)!,
        new VigilError('PLUGIN_MISSING_DEPENDENCY', `plugin ${id} needs ${dependency}, which is not loaded`, { extra: { dependency } }),
      );
    }
    for (const id of cyclic) {
      this.refuse(this.records.get(id)!, new VigilError('PLUGIN_DEPENDENCY_CYCLE', `plugin ${id} depends on itself through ${cyclic.join(', ')}`));
    }
    // Load order is also the order of filters, hooks and onReady.
    const ordered = new Map([...order.map((id) => [id, this.records.get(id)!] as const), ...this.records]);
    this.records.clear();
    for (const [id, record] of ordered) this.records.set(id, record);
    for (const id of order) this.activate(this.records.get(id)!, definitions.get(id)!);
  }

  /** Wires the active plugins to the bus and the store. */
  start(): void {
    const { bus, store } = this.deps;
    this.unsubscribers.push(
      bus.on('instance-stored', (event) => this.dispatch('onInstanceStored', (hooks, ctx, call) => hooks.onInstanceStored!(event, ctx, call))),
      bus.on('series-stable', (event) => this.dispatch('onSeriesStable', (hooks, ctx, call) => hooks.onSeriesStable!(event, ctx, call))),
      bus.on('finding', (event) => this.dispatch('onFinding', (hooks, ctx, call) => hooks.onFinding!(event.finding, ctx, call))),
    );
    if (!this.filterAdded) {
      store.addFilter((candidate) => this.filter(candidate));
      this.filterAdded = true;
    }
  }

  /** onReady of each active plugin, in load order (a dependency is ready before its dependents). */
  async ready(): Promise<void> {
    for (const record of this.active('onReady')) {
      await this.run(record, 'onReady', (call) => record.definition!.hooks.onReady!(record.ctx!, call));
    }
  }

  /** Another process of the cluster committed: plugin jobs it enqueued may be waiting (src/db/commit-watch.ts). */
  wakeQueues(): void {
    for (const record of this.records.values()) record.queue?.wake();
  }

  /** onClose in reverse load order, then the queues; hooks still running are told to stop. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const record of this.active('onClose').reverse()) {
      await this.run(record, 'onClose', (call) => record.definition!.hooks.onClose!(record.ctx!, call));
    }
    this.closing.abort(new Error('node stopping'));
    await Promise.all([...this.records.values()].map(async (r) => r.queue?.stop()));
    await Promise.allSettled([...this.inFlight]);
    for (const record of this.records.values()) if (record.state === 'active') record.state = 'stopped';
  }

  list(): PluginInfo[] {
    return [...this.records.values()].map((r) => ({
      id: r.id,
      version: r.definition?.version ?? null,
      state: r.state,
      dir: r.dir,
      dependsOn: [...(r.definition?.dependsOn ?? [])],
      hooks: Object.keys(r.definition?.hooks ?? {}) as HookName[],
      lastError: r.lastError,
      stats: structuredClone(r.stats),
    }));
  }

  /** Each active plugin's router, to be mounted under /plugins/<id>. */
  routers(): { id: string; router: Router }[] {
    return [...this.records.values()].filter((r) => r.state === 'active' && r.router).map((r) => ({ id: r.id, router: r.router! }));
  }

  /** Default routing rules of the active plugins, in load order (src/rules/ validates them). */
  defaultRules(): { plugin: string; rules: unknown[] }[] {
    return [...this.records.values()]
      .filter((r) => r.state === 'active' && r.definition?.defaultRules)
      .map((r) => ({ plugin: r.id, rules: [...r.definition!.defaultRules!] }));
  }

  /** A plugin's durable queue (tests and the API). */
  queueOf(id: string): PluginJobQueue | undefined {
    return this.records.get(id)?.queue;
  }

  /** Resolves when every hook call started so far has settled (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async importAndCheck(plugin: FoundPlugin): Promise<PluginDefinition | undefined> {
    const record = this.record(plugin.id, plugin.dir, 'refused');
    try {
      const definition = checkDefinition(await importPlugin(plugin), plugin.id);
      record.definition = definition;
      return definition;
    } catch (err) {
      this.refuse(record, err, isVigilError(err, 'PLUGIN_LOAD_FAILED') ? 'failed' : 'refused');
      return undefined;
    }
  }

  /** Config, ctx and routes; the plugin is active once all three are in place. */
  private activate(record: PluginRecord, definition: PluginDefinition): void {
    // A dependency may have been refused since the order was made (its config, its routes).
    const inactive = (definition.dependsOn ?? []).find((d) => this.records.get(d)?.state !== 'active');
    if (inactive !== undefined) {
      this.refuse(
        record,
        new VigilError('PLUGIN_MISSING_DEPENDENCY', `plugin ${record.id} needs ${inactive}, which is not loaded`, { extra: { dependency: inactive } }),
      );
      return;
    }
    try {
      const config = checkConfig(definition, this.deps.config.config[record.id]);
      record.ctx = this.createContext(record, config);
    } catch (err) {
      this.refuse(record, err);
      return;
    }
    if (definition.hooks.routes) {
      try {
        const router = Router();
        definition.hooks.routes(router, record.ctx);
        checkRouteGuards(router, record.id);
        record.router = router;
      } catch (err) {
        this.refuse(record, err, isVigilError(err, 'PLUGIN_ROUTE_UNGUARDED') ? 'refused' : 'failed');
        return;
      }
    }
    record.state = 'active';
    this.deps.log.info('plugin loaded', { plugin: record.id, version: definition.version, hooks: Object.keys(definition.hooks) });
  }

  private createContext(record: PluginRecord, config: unknown): PluginContext {
    const { db, index, files, series, clock, dicom, services } = this.deps;
    const log = this.deps.log.child({ plugin: record.id });
    record.queue = new PluginJobQueue(record.id, {
      db,
      clock,
      log,
      onFailure: (err) => this.noteFailure(record, 'queue', err),
      queue: this.deps.queue,
      claims: this.deps.claimJobs,
    });
    return Object.freeze({
      ...services?.(record.id),
      id: record.id,
      log,
      config,
      node: { aeTitle: dicom.aeTitle, version: VERSION },
      index: createIndexFacade(index, files, series),
      dicom: createDicomSender(dicom),
      queue: record.queue,
    });
  }

  /** Runs one event hook of every active plugin that has it, each on its own: none waits for another. */
  private dispatch(
    hook: 'onInstanceStored' | 'onSeriesStable' | 'onFinding',
    invoke: (hooks: PluginDefinition['hooks'], ctx: PluginContext, call: HookCall) => unknown,
  ): void {
    for (const record of this.active(hook)) {
      const call = this.run(record, hook, (c) => invoke(record.definition!.hooks, record.ctx!, c));
      this.inFlight.add(call);
      void call.finally(() => this.inFlight.delete(call));
    }
  }

  /** filterIncomingStore of each plugin in load order; the first refusal wins. */
  private async filter(candidate: StoreCandidate): Promise<{ status: number; reason: string } | undefined> {
    const { config } = this.deps;
    const filters = this.active('filterIncomingStore');
    if (filters.length === 0) return undefined;
    const view = incomingView(candidate, await candidate.attrs());
    for (const record of filters) {
      const outcome = await this.run(
        record,
        'filterIncomingStore',
        (call) => record.definition!.hooks.filterIncomingStore!(view, record.ctx!, call),
        config.filterTimeoutMs,
      );
      if (outcome.kind === 'ok') {
        if (!outcome.value) continue;
        const status = refusalStatus(outcome.value.status);
        if (status === undefined) {
          this.deps.log.warn('plugin refused with a status that is not a C-STORE failure; using 0x0124', { plugin: record.id, status: outcome.value.status });
        }
        return { status: status ?? NOT_AUTHORIZED, reason: `${record.id}: ${String(outcome.value.reason)}` };
      }
      if (config.onFilterFailure === 'refuse') {
        return { status: config.filterFailureStatus, reason: `${record.id}: filter failed` };
      }
    }
    return undefined;
  }

  /** Runs plugin code under its time limit; failures and timeouts are logged, counted and kept. */
  private async run<T>(
    record: PluginRecord,
    hook: HookName,
    fn: (call: HookCall) => T | Promise<T>,
    timeoutMs = this.deps.config.hookTimeoutMs,
  ): Promise<DeadlineOutcome<T>> {
    const stats = this.stats(record, hook);
    stats.calls++;
    const outcome = await runWithDeadline((signal) => fn({ signal }), timeoutMs, this.closing.signal);
    if (outcome.kind === 'error') this.noteFailure(record, hook, outcome.error);
    if (outcome.kind === 'timeout') this.noteFailure(record, hook, undefined, timeoutMs);
    return outcome;
  }

  private noteFailure(record: PluginRecord, work: CountedWork, error: unknown, timedOutAfterMs?: number): void {
    const stats = this.stats(record, work);
    const timeout = timedOutAfterMs !== undefined;
    if (timeout) stats.timeouts++;
    else stats.failures++;
    const message = timeout ? `${work} ran past its ${timedOutAfterMs} ms limit` : errorText(error);
    const code: ErrorCode = timeout ? 'PLUGIN_HOOK_TIMEOUT' : isVigilError(error) ? error.code : 'PLUGIN_HOOK_FAILED';
    record.lastError = { code, message, hook: work, at: new Date().toISOString() };
    this.deps.log.error(timeout ? 'plugin hook timed out' : 'plugin hook failed', {
      plugin: record.id,
      hook: work,
      code,
      error: timeout ? message : describeError(error),
    });
    this.deps.observer?.hookFailed?.(record.id, work, timeout ? 'timeout' : 'error');
  }

  private stats(record: PluginRecord, work: CountedWork): HookStats {
    return (record.stats[work] ??= { calls: 0, failures: 0, timeouts: 0 });
  }

  private active(hook: HookName): PluginRecord[] {
    return [...this.records.values()].filter((r) => r.state === 'active' && r.definition?.hooks[hook] !== undefined);
  }

  private record(id: string, dir: string | null, state: PluginState): PluginRecord {
    const record: PluginRecord = { id, dir, state, lastError: null, stats: {} };
    this.records.set(id, record);
    return record;
  }

  private refuse(record: PluginRecord, err: unknown, state: 'refused' | 'failed' = 'refused'): void {
    record.state = state;
    const code: ErrorCode = isVigilError(err) ? err.code : 'PLUGIN_LOAD_FAILED';
    record.lastError = { code, message: errorText(err), at: new Date().toISOString() };
    this.deps.log.error('plugin not loaded', { plugin: record.id, code, error: describeError(err) });
  }
}

function incomingView(candidate: StoreCandidate, attrs: Record<string, unknown>): IncomingInstanceView {
  const { incoming, summary } = candidate;
  return {
    sopClassUid: incoming.sopClassUid,
    sopInstanceUid: incoming.sopInstanceUid,
    transferSyntaxUid: incoming.transferSyntaxUid,
    callingAeTitle: incoming.callingAeTitle,
    remoteAddress: incoming.remoteAddress,
    tags: { patient: { ...summary.patient }, study: { ...summary.study }, series: { ...summary.series }, instance: { ...summary.instance } },
    attrs,
  };
}
