import type { Clock } from '../core/clock.js';
import type { WorklistConfig } from '../config/sections/worklist.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { Finding } from '../domain/finding.js';
import { AiResults } from './ai-results.js';
import { EventTickets } from './event-tickets.js';
import { FeedbackStore } from './feedback-store.js';
import { WorklistLive } from './live.js';
import { baselineFromPack, type BaselineLookup } from './monitoring/baseline.js';
import { ModelDays } from './monitoring/model-days.js';
import { GoLive } from './monitoring/go-live.js';
import { ModelMonitor, type DriftAlertSink, type PositiveRateAlarmSink } from './monitoring/monitor.js';
import { ORDER_RESULTS, OrderListener } from './orders/order-listener.js';
import { OrderStore } from './orders/order-store.js';
import { ReadingStore } from './reading-store.js';
import { RuleHints } from './rule-hints.js';
import { WorklistQuery } from './worklist-query.js';

export interface WorklistDeps {
  config: WorklistConfig;
  db: Db;
  index: DicomIndex;
  bus: EventBus;
  log: Logger;
  clock: Clock;
  metrics?: Metrics;
  /** Model packs' folder: each pack's score-baseline.json is read from `<dir>/<modelId>/`. */
  modelsDir: string;
  /** Drift alerts beyond /changes and the log (the alerts outbox, once it takes them). */
  onDrift?: DriftAlertSink;
  onPositiveRate?: PositiveRateAlarmSink;
}

/**
 * The reading worklist, assembled: the list and its priority rule, reading state, orders from
 * the RIS, routing hints, AI results and feedback, live notices, and the nightly per-model
 * monitoring. src/node.ts connects findings (recordFinding, inside triage's transaction),
 * the routing sink (withRuleHints) and alerts (live notices), and starts and stops it.
 */
export class WorklistPart {
  readonly live: WorklistLive;
  readonly query: WorklistQuery;
  readonly results: AiResults;
  readonly reading: ReadingStore;
  readonly feedback: FeedbackStore;
  readonly orders: OrderStore;
  readonly hints: RuleHints;
  readonly tickets: EventTickets;
  readonly monitor: ModelMonitor;
  readonly listener: OrderListener | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: WorklistDeps) {
    const { config, db, index, clock, log } = deps;
    const changes = index.changes;
    const now = (): number => clock.now();
    // Each change a live view shows goes on the bus too: the cluster relay sends it to the other nodes.
    this.live = new WorklistLive((change) => deps.bus.emit('live-change', change));
    this.query = new WorklistQuery(db);
    this.results = new AiResults(db, { changes, live: this.live, query: this.query });
    this.reading = new ReadingStore(db, { changes, live: this.live, studyExists: (id) => index.getResource('studies', id) !== undefined });
    this.feedback = new FeedbackStore(db, { changes, live: this.live, finding: (id) => this.results.get(id) });
    this.orders = new OrderStore(db, changes);
    this.hints = new RuleHints(db, { live: this.live, studyOfSeries: (id) => index.getResource('series', id)?.parentId ?? undefined, now });
    this.tickets = new EventTickets(config.events.ticketSeconds * 1000, now);
    this.monitor = new ModelMonitor({
      config: config.monitoring,
      days: new ModelDays(db),
      baselineOf: (modelId): BaselineLookup => baselineFromPack(deps.modelsDir, modelId),
      changes,
      now,
      log,
      metrics: deps.metrics,
      onDrift: deps.onDrift,
      onPositiveRate: deps.onPositiveRate,
      goLive: new GoLive(db),
    });
    const ordersCounter = deps.metrics?.counter({
      name: 'vigil_worklist_orders_total',
      help: 'HL7 order messages received, by what became of them',
      labelNames: ['result'] as const,
    });
    for (const result of ORDER_RESULTS) ordersCounter?.inc({ result }, 0);
    const live = this.live;
    deps.metrics?.gauge({
      name: 'vigil_worklist_event_streams',
      help: 'Open GET /worklist/events streams',
      collect() {
        this.set(live.subscriberCount);
      },
    });
    this.listener = config.orders.enabled
      ? new OrderListener({
          config: config.orders,
          record: (orders, source) => this.recordOrders(orders, source),
          now,
          log,
          counted: (result) => ordersCounter?.inc({ result }),
        })
      : undefined;
  }

  /** The node's clock: API handlers stamp claims and feedback with it. */
  now(): number {
    return this.deps.clock.now();
  }

  /**
   * Records a finding and any priority raise it makes. Triage calls it inside the transaction
   * that stores the finding (its transactional listener); from elsewhere it runs in its own.
   */
  recordFinding(finding: Finding): void {
    this.deps.db.transaction(() => this.results.record(finding))();
  }

  /**
   * `orders`: the RIS order listener (the `api` role: the node's inbound interfaces besides
   * DICOM); `monitoring`: the nightly model figures and drift checks (the `scheduler` role).
   * Both by default, as on a node that runs every role.
   */
  async start(opts: { orders?: boolean; monitoring?: boolean } = {}): Promise<void> {
    const { bus } = this.deps;
    this.unsubscribe.push(bus.on('instance-stored', (e) => void (e.newStudy && this.live.notify('study', e.studyId))));
    // Other nodes' changes (src/cluster/event-relay.ts) reach the open streams, and nothing else.
    this.unsubscribe.push(bus.on('remote-live-change', (e) => this.live.notifyRemote(e)));
    this.unsubscribe.push(bus.on('live-resync', () => this.live.resync()));
    if (opts.orders ?? true) await this.listener?.start();
    if (opts.monitoring ?? true) this.monitor.start();
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.live.endAll();
    await this.monitor.stop();
    await this.listener?.stop();
  }

  private recordOrders(orders: Parameters<OrderStore['record']>[0], source: Parameters<OrderStore['record']>[1]): void {
    this.orders.record(orders, source);
    for (const order of orders) {
      const studies = this.query.studiesWithAccession(order.accession);
      if (studies.length === 0) this.live.notify('order', null);
      for (const studyId of studies) this.live.notify('order', studyId);
    }
  }
}
