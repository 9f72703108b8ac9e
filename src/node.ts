import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { VigilConfig } from './config/schema.js';
import { createLogger, type Logger } from './log/logger.js';
import { httpBaseUrl } from './config/local-addresses.js';
import { EventBus } from './events/bus.js';
import { closeDatabase, type Db } from './db/database.js';
import { openIndex } from './db/open-index.js';
import { postgresIndexMigrations, sqliteIndexMigrations } from './node-schema.js';
import { followQueueNotifications } from './queue/follow-notifications.js';
import { pluginOfQueue } from './plugins/queue.js';
import { FORWARD_QUEUE, RuleForwarder } from './rules/forwarder.js';
import { ALERTS_QUEUE } from './alerts/delivery-store.js';
import { OPERATIONAL_QUEUE, OperationalOutbox } from './alerts/operational/operational-outbox.js';
import { startClusterSignals } from './cluster/cluster-signals.js';
import { whileLeading, type ScheduledDuty } from './cluster/while-leading.js';
import { DicomIndex } from './store/dicom-index.js';
import { FileStore } from './store/file-store.js';
import { InstanceStore } from './store/instance-store.js';
import { keepMarkerFresh, markCleanShutdown, runStartupCheck, type StartupReport } from './store/startup-check.js';
import { Retention } from './store/retention/retention.js';
import { retentionMetrics } from './store/retention/retention-metrics.js';
import { DicomServer } from './dicom/net/dicom-server.js';
import { QueryRetrieve } from './dicom/net/query/query-retrieve.js';
import { scpMetrics } from './dicom/net/scp-metrics.js';
import { groupCommitMetrics } from './store/group-commit-metrics.js';
import { Metrics } from './metrics/metrics.js';
import { Readiness } from './metrics/readiness.js';
import { addCoreReadiness } from './store/core-readiness.js';
import { AuditTrail } from './audit/audit-trail.js';
import { TokenStore } from './auth/token-store.js';
import { createRoutingPart, type RoutingPart } from './rules/routing-part.js';
import { AlertsPart } from './alerts/alerts.js';
import { OperationalSender } from './alerts/operational/operational-sender.js';
import { driftNotice, positiveRateNotice } from './alerts/operational/model-notices.js';
import { createApp } from './api/app.js';
import { createProbeApp } from './api/probe-app.js';
import { CommitWatch } from './db/commit-watch.js';
import { runsEveryRole, type NodeRole } from './domain/node-roles.js';
import { pageSignIn } from './api/page-sign-in.js';
import { buildTriage } from './triage/build.js';
import type { TriageEngine } from './triage/engine.js';
import { triageRoutingSink } from './triage/routing-sink.js';
import { lendServices } from './plugins/lent-services.js';
import { HttpServer } from './api/http-server.js';
import { systemClock, type Clock } from './core/clock.js';
import { SeriesTracker } from './series/tracker.js';
import { seriesMetrics } from './series/series-metrics.js';
import { PluginHost } from './plugins/host.js';
import { pluginMetrics } from './plugins/plugin-metrics.js';
import { WorklistPart } from './worklist/worklist.js';
import { withRuleHints } from './worklist/rule-hints.js';
import { describeError } from './log/describe-error.js';
import { EarlyRuns } from './triage/early-runs.js';
import { routeSeries } from './rules/route.js';
import { IndexJobQueue } from './queue/index-queue.js';
import { queueMetrics } from './queue/queue-metrics.js';
import { TRIAGE_QUEUE } from './triage/jobs.js';

/** The queues /metrics shows: triage's always (zeros before its first job), and every one holding jobs. */
function queuesShown(holding: readonly string[]): string[] {
  return [...new Set([TRIAGE_QUEUE, ...holding])];
}
import { isOwnResults } from './rules/routing-service.js';

/** Something with a lifecycle; started in order, stopped in reverse. */
interface Part {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** At the first moment of a stop, for every part before any stops: take no new work. */
  quiesce?(): void;
}

export interface VigilNode {
  config: VigilConfig;
  log: Logger;
  db: Db;
  bus: EventBus;
  index: DicomIndex;
  files: FileStore;
  store: InstanceStore;
  dicom: DicomServer;
  http: HttpServer;
  /** Routing rules and the routing stage. */
  rules: RoutingPart;
  /** The rules' forward action: a durable C-STORE queue. */
  forwards: RuleForwarder;
  /** The one durable job queue (src/queue/): triage jobs, plugin jobs, rule forwards, alert deliveries. */
  queue: IndexJobQueue;
  tokens: TokenStore;
  audit: AuditTrail;
  /** Parts add their figures here (see src/metrics/metrics.ts). */
  metrics: Metrics;
  /** Parts add their readiness checks here. */
  readiness: Readiness;
  /** The express app, for supertest. */
  app: ReturnType<typeof createApp>;
  series: SeriesTracker;
  plugins: PluginHost;
  /** The alerts outbox, sender and escalation (src/alerts/). */
  alerts: AlertsPart;
  /** Model packs, the job queue (enqueue for routing) and findings (transactional listeners). */
  triage: TriageEngine;
  /** The reading worklist: priority, reading state, orders in, live updates, model monitoring. */
  worklist: WorklistPart;
  /** storage.retention: scheduled removal of old studies. */
  retention: Retention;
  startup: StartupReport;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every part from one validated config, runs the start-up check,
 * then opens the doors (HTTP, then DICOM). Nothing else wires parts together.
 */
export async function startNode(config: VigilConfig, opts: { log?: Logger; adminToken?: string; clock?: Clock } = {}): Promise<VigilNode> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const log = opts.log ?? createLogger(config.log, config.dataDir);
  // node.roles (config/cluster/README.md): what this node runs of the whole. Parts that only
  // record (an arrival, the outbox enqueue, a finding's worklist result) run in every role,
  // inside the transactions of the part that does the work.
  const roles = config.node.roles;
  const runs = (role: NodeRole): boolean => roles.includes(role);
  const wholeNode = runsEveryRole(roles);
  log.info('node roles', { roles, cluster: !wholeNode });
  const { db, applied } = await openIndex(
    config.dataDir,
    config.storage.database,
    { sqlite: sqliteIndexMigrations, postgres: postgresIndexMigrations },
    {
      applicationName: `vigil ${os.hostname()} ${process.pid}`,
    },
  );
  if (applied.length > 0) log.info('index migrated', { applied });

  const tokens = new TokenStore(db);
  const bootstrap = await tokens.bootstrap(opts.adminToken).catch((err: unknown) => {
    db.close();
    throw err;
  });
  if (bootstrap === 'created') log.info('admin token created from VIGIL_ADMIN_TOKEN');
  if (bootstrap === 'not-needed') log.info('VIGIL_ADMIN_TOKEN ignored: tokens exist already (manage them with `vigil token`)');
  if (tokens.list().length === 0) {
    // A first start without VIGIL_ADMIN_TOKEN is a node nobody can use: say so, and how.
    log.warn(
      'no live API token: the API and the worklist page will refuse every request. Set VIGIL_ADMIN_TOKEN (32+ characters, e.g. `openssl rand -hex 32`) before the first start of a data folder, or make one with `npx vigil token create --name <you> --role admin`',
    );
  }

  const audit = new AuditTrail(db);

  const bus = new EventBus(log.child({ component: 'events' }));
  // Across nodes sharing a PostgreSQL index: who runs the once-per-cluster duties (an advisory
  // lock), and the worklist's live changes of every node (NOTIFY). On SQLite: this process alone.
  const cluster = startClusterSignals({
    databaseUrl: config.storage.database.url ?? undefined,
    nodeId: `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
    bus,
    log,
  });
  const index = new DicomIndex(db);
  const files = new FileStore(config.dataDir, config.storage);
  files.init();
  // Retention's interrupted removals are the retention node's to finish (one node removes a study).
  const startup = await runStartupCheck(config.dataDir, files, index, log.child({ component: 'store' }), { finishRetention: runs('scheduler') });
  const stopMarker = keepMarkerFresh(config.dataDir, files);
  const store = new InstanceStore(files, index, bus, log.child({ component: 'store' }), config.storage);
  // Read when the rules part starts, after plugins.load() below has activated the plugins.
  const rules = createRoutingPart({ config, db, index, files, bus, log, defaults: () => plugins.defaultRules() });
  const clock = opts.clock ?? systemClock;
  const series = new SeriesTracker({
    db,
    index,
    bus,
    config: config.series,
    clock,
    log: log.child({ component: 'series' }),
    mode: runs('scheduler') ? 'decide' : 'record',
  });
  const metrics = new Metrics();
  // The one durable job queue (src/queue/), shared by the parts that queue work.
  const jobQueue: IndexJobQueue = new IndexJobQueue(db, {
    clock,
    observer: queueMetrics(metrics, { queues: () => queuesShown(jobQueue.queues()), stats: (queue) => jobQueue.stats(queue) }),
  });
  seriesMetrics(metrics, bus, series.history);
  groupCommitMetrics(metrics, store);
  const readiness = new Readiness();
  const queryRetrieve = new QueryRetrieve({ config: config.dicom, db, index, files, audit, log: log.child({ component: 'query-retrieve' }) });
  const dicom: DicomServer = new DicomServer(
    config.dicom,
    store,
    log.child({ component: 'dicom' }),
    scpMetrics(metrics, { activeAssociations: () => dicom.activeAssociations }),
    {
      mpps: config.series.useMpps ? series.mpps : undefined,
      queryRetrieve,
    },
  );
  const plugins = new PluginHost({
    queue: jobQueue,
    config: config.plugins,
    dicom: config.dicom,
    db,
    index,
    files,
    bus,
    store,
    series,
    clock,
    log: log.child({ component: 'plugins' }),
    observer: pluginMetrics(metrics),
    claimJobs: runs('triage'),
    // Triage and the worklist are built below; plugins call these services only once started.
    services: (pluginId) => lendServices(pluginId, { index, triage: () => triage, hints: () => worklist.hints }),
  });
  // Before the app is built: active plugins' routers are mounted under /plugins/<id>.
  await plugins.load();
  const triage = buildTriage(config.triage, { db, index, files, bus, metrics, queue: jobQueue, clock, log: log.child({ component: 'triage' }) });
  const alerts = new AlertsPart({
    queue: jobQueue,
    config: config.alerts,
    db,
    index,
    log: log.child({ component: 'alerts' }),
    clock,
    registry: metrics.registry,
    audit,
    keyImage: (findingId) => triage.findings.keyImage(findingId),
    air: {
      localisation: (findingId) => triage.findings.localisation(findingId),
      instanceFile: (instanceId) => {
        const instance = index.getInstance(instanceId);
        const series = instance ? index.getResource('series', instance.seriesId) : undefined;
        return instance
          ? {
              sopClassUid: instance.sopClassUid,
              seriesInstanceUid: String(series?.mainTags.SeriesInstanceUID ?? ''),
              path: files.absolutePath(instance.filePath),
            }
          : null;
      },
      nodeStore: store,
    },
  });
  // IT's notices about models (drift, a positive rate far above the validated one): their own
  // outbox (queue 'operational' of the durable job queue), to destinations with use
  // 'operational', never mixed with patient alerts.
  const operational = new OperationalOutbox(db, { changes: index.changes, destinations: () => alerts.destinations.configs(), queue: jobQueue });
  const operationalSender = new OperationalSender(operational, {
    destinations: () => alerts.destinations.configs(),
    backoff: config.alerts.delivery.backoff,
    clock,
    log: log.child({ component: 'alerts' }),
  });
  // Score baselines for drift are read from the packs triage loads.
  const worklist = new WorklistPart({
    config: config.worklist,
    db,
    index,
    bus,
    log: log.child({ component: 'worklist' }),
    clock,
    metrics,
    modelsDir: config.triage.modelsDir,
    onDrift: (report) => void operational.enqueue(driftNotice(report), clock.now()),
    onPositiveRate: (report) => void operational.enqueue(positiveRateNotice(report), clock.now()),
  });
  // A finding reaches the alerts and the worklist once, inside the transaction that stores it
  // (the durable path: they commit together or not at all). The committed 'finding' event is for
  // live listeners (plugins' onFinding), never a second path to these two.
  triage.findings.addTransactionalListener((finding) => void alerts.outbox.enqueueForFinding(finding));
  // Routing's model decisions become triage jobs, each first leaving its rule's priority hint on
  // the worklist; its forwards go to the durable forward queue.
  const versionOf = (id: string): number | undefined => series.stateOf(id)?.version;
  const forwarder = new RuleForwarder({ db, queue: jobQueue, dicom: config.dicom, index, files, clock, versionOf, log: log.child({ component: 'forward' }) });
  rules.setSink(
    withRuleHints(
      worklist.hints,
      triageRoutingSink(triage, versionOf, (request) => forwarder.forward(request), log.child({ component: 'triage' })),
      log.child({ component: 'worklist' }),
    ),
  );
  // Early runs: a model whose pack declares `partial` runs once on a series still arriving.
  const earlyRuns = new EarlyRuns({
    bus,
    index,
    stateOf: (id) => series.stateOf(id),
    triagesVersion: (version) => version === 1 || config.series.rerunTriageOnReopen,
    candidates: async (id) => {
      const facts = await rules.series.facts(id);
      if (facts && isOwnResults(facts)) return [];
      return facts ? routeSeries(rules.book.inForce().ruleSet, facts).jobs : undefined;
    },
    partialOf: (modelId) => triage.registry.get(modelId)?.manifest?.partial,
    anyPartial: () => triage.registry.list().some((m) => m.manifest?.partial !== undefined),
    enqueue: (request) => void triage.enqueue(request),
    log: log.child({ component: 'triage' }),
  });
  // A finding and the priority raise it makes commit together.
  triage.findings.addTransactionalListener((finding) => worklist.results.record(finding));
  alerts.outbox.observe({ created: (a) => worklist.live.notify('alert', a.studyId), acknowledged: (a) => worklist.live.notify('alert', a.studyId) });
  const retention = new Retention({
    db,
    index,
    files,
    audit,
    config: config.storage.retention,
    clock,
    log: log.child({ component: 'retention' }),
    metrics: retentionMetrics(metrics),
  });
  addCoreReadiness(readiness, { db, files, dicomListening: runs('dicom') ? () => dicom.listening : undefined });
  const startedAt = Date.now();
  // Without the `api` role the node still answers /health, /ready and /metrics where the API would.
  const app = runs('api')
    ? createApp({
        config,
        index,
        files,
        series,
        rules,
        forwards: forwarder,
        plugins,
        triage,
        log: log.child({ component: 'api' }),
        tokens,
        audit,
        metrics,
        readiness,
        alerts,
        worklist,
        pageSignIn: pageSignIn(config.auth.oidc, db, clock),
        queryRetrieve,
        store,
        status: { dicomListening: () => dicom.listening, activeAssociations: () => dicom.activeAssociations, startedAt },
      })
    : createProbeApp({ config, log: log.child({ component: 'api' }), tokens, metrics, readiness });
  const http = new HttpServer(config.http, app, log.child({ component: 'http' }));

  // Another process of the cluster queues work for this one through the index (a node on its own needs no watch).
  const commitWatch = new CommitWatch(db, log.child({ component: 'cluster' }));
  if (runs('triage')) commitWatch.onExternalCommit(() => (triage.wake(), plugins.wakeQueues()));
  if (runs('alerts')) commitWatch.onExternalCommit(() => (alerts.wakeSenders(), operationalSender.wake(), forwarder.wake()));
  if (runs('scheduler')) commitWatch.onExternalCommit(() => series.catchUp());
  // Rules applied on another node (its API, its rules file) are in force here too: routing, early runs, the API.
  commitWatch.onExternalCommit(() => rules.book.adoptNewer());
  // Destinations added over another node's API: the outbox (a finding here) and the senders use them.
  commitWatch.onExternalCommit(() => alerts.destinations.reload());
  // A model enabled or disabled over another node's API.
  commitWatch.onExternalCommit(() => triage.registry.refreshSwitches());

  const duties: ScheduledDuty[] = [
    { name: 'retention', start: () => retention.start(), stop: () => retention.stop() },
    { name: 'alert-escalation', start: () => alerts.escalator.start(), stop: () => alerts.escalator.stop() },
    { name: 'model-monitoring', start: () => worklist.monitor.start(), stop: () => worklist.monitor.stop() },
  ];
  let leading: { stop(): Promise<void> }[] = [];
  const all: (Part & { when?: boolean })[] = [
    // First, so that it stops last: the duties hear 'stopped' before the leadership is given up.
    { name: 'cluster', start: async () => undefined, stop: () => cluster.stop() },
    runs('triage')
      ? { name: 'triage', start: () => triage.start(), stop: () => triage.stop(), quiesce: () => triage.stopClaiming() }
      : // Listed only, so routing, early runs and the API can queue jobs: no worker starts here.
        { name: 'triage', start: () => triage.listModels(), stop: async () => undefined },
    // Plugins listen before the tracker resumes, so a series-stable re-emitted at start reaches them.
    { name: 'plugins', start: async () => plugins.start(), stop: () => plugins.stop() },
    // Routing listens before the series tracker may announce a stable series.
    { name: 'forward', start: async () => forwarder.start(), stop: () => forwarder.stop(), when: runs('alerts') },
    { name: 'rules', start: () => rules.start(), stop: () => rules.stop() },
    { name: 'early-runs', start: async () => earlyRuns.start(), stop: () => earlyRuns.stop() },
    { name: 'series', start: async () => series.start(), stop: async () => series.stop() },
    { name: 'alerts', start: () => alerts.start({ send: runs('alerts'), escalate: false }), stop: () => alerts.stop() },
    { name: 'operational', start: async () => operationalSender.start(), stop: () => operationalSender.stop(), when: runs('alerts') },
    // Retention, escalation and model monitoring run once per cluster: on the scheduler node that leads.
    {
      name: 'scheduled-duties',
      start: async () => void (leading = duties.map((duty) => whileLeading(cluster.leadership, duty, log.child({ component: 'cluster' })))),
      stop: async () => void (await Promise.all(leading.map((guard) => guard.stop()))),
      when: runs('scheduler'),
    },
    { name: 'http', start: () => http.start(), stop: () => http.stop() },
    // After http: stopped before it, so its live streams end and the HTTP server need not wait for them.
    {
      name: 'worklist',
      start: () => worklist.start({ orders: runs('api'), monitoring: false }),
      stop: () => worklist.stop(),
    },
    // On PostgreSQL other nodes may share the index whatever this one runs.
    { name: 'commit-watch', start: async () => commitWatch.start(), stop: async () => commitWatch.stop(), when: !wholeNode || db.dialect === 'postgres' },
    { name: 'dicom', start: () => dicom.start(), stop: () => dicom.stop(), when: runs('dicom') },
  ];
  // On PostgreSQL other nodes queue work too: their commits wake this node's workers at once
  // (NOTIFY; the commit watch above is the backstop). A part this node does not run ignores it.
  const databaseUrl = config.storage.database.url;
  let following: { stop(): void } | undefined;
  const wakeQueue = (queue: string): void => {
    if (queue === TRIAGE_QUEUE) triage.wake();
    else if (queue === FORWARD_QUEUE) forwarder.wake();
    else if (queue === ALERTS_QUEUE) alerts.wakeSenders();
    else if (queue === OPERATIONAL_QUEUE) operationalSender.wake();
    else {
      const plugin = pluginOfQueue(queue);
      if (plugin !== undefined) plugins.queueOf(plugin)?.wake();
    }
  };
  all.unshift({
    name: 'queue-notifications',
    start: async () => {
      following = followQueueNotifications({
        url: databaseUrl!,
        queues: () => [...new Set([TRIAGE_QUEUE, FORWARD_QUEUE, ALERTS_QUEUE, OPERATIONAL_QUEUE, ...jobQueue.queues()])],
        wake: wakeQueue,
        clock,
        log: log.child({ component: 'queue' }),
      });
    },
    stop: async () => following?.stop(),
    when: databaseUrl !== null,
  });
  const parts: Part[] = all.filter((part) => part.when ?? true);
  const started: Part[] = [];
  /**
   * Parts stop in reverse order (DICOM first: no new association from the first moment; it
   * drains the C-STOREs under way), each after every part has stopped taking new work. Then the
   * index is checkpointed (the WAL folded into the database file; kept as it is on a full disk) and closed, and the clean stop
   * is marked so that the next start skips the full reconciliation.
   */
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopParts());
  const stopParts = async (): Promise<void> => {
    for (const part of started) part.quiesce?.();
    for (const part of [...started].reverse()) {
      await part.stop().catch((err: unknown) => log.error('part failed to stop', { part: part.name, error: describeError(err) }));
    }
    started.length = 0;
    closeDatabase(db, log);
    stopMarker();
    markCleanShutdown(config.dataDir, files);
    log.info('Vigil stopped');
  };
  try {
    for (const part of parts) {
      await part.start();
      started.push(part);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  await plugins.ready();
  const url = `${httpBaseUrl(config.http, http.port)}/`;
  log.info('Vigil ready', {
    roles,
    aeTitle: config.dicom.aeTitle,
    dicomPort: !runs('dicom') || config.dicom.tls?.only ? null : dicom.port,
    dicomTlsPort: runs('dicom') ? (dicom.tlsPort ?? null) : null,
    httpPort: http.port,
    url,
  });
  if (runs('api')) log.info(`open ${url} for the worklist (it asks for an API token)`);
  return {
    config,
    log,
    db,
    bus,
    index,
    files,
    store,
    dicom,
    http,
    alerts,
    rules,
    forwards: forwarder,
    queue: jobQueue,
    tokens,
    audit,
    metrics,
    readiness,
    app,
    series,
    plugins,
    triage,
    worklist,
    retention,
    startup,
    stop,
  };
}
