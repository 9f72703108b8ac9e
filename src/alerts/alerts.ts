import type { Registry } from 'prom-client';
import type { AlertsConfig, ChannelType, DestinationConfig } from '../config/sections/alerts.js';
import { isVigilError, VigilError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import { AlertStore } from './alert-store.js';
import type { ChannelHandler } from './channels/channel.js';
import type { AirServices, KeyImageSource } from './channels/dicom/dicom-channel.js';
import { createChannel } from './channels/registry.js';
import { systemClock, type Clock } from '../core/clock.js';
import { DeliveryStore } from './delivery-store.js';
import type { IndexJobQueue } from '../queue/index-queue.js';
import { DestinationRegistry } from './destinations.js';
import { Escalator } from './escalator.js';
import { AlertMetrics } from './metrics.js';
import { Outbox, type OutboxDeps } from './outbox.js';
import { AlertSender } from './sender.js';

export interface AlertsDeps {
  config: AlertsConfig;
  db: Db;
  index: DicomIndex;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** The node's metrics registry, when there is one; a private registry otherwise. */
  registry?: Registry;
  /** Where escalations are audited (the node's audit trail). */
  audit?: OutboxDeps['audit'];
  /** Key images as triage stored them, for DICOM destinations (none: they send the SR alone). */
  keyImage?: KeyImageSource;
  /** What DICOM destinations need for Segmentations and to keep their results in the node. */
  air?: AirServices;
  /** Tests swap channels; production uses the registry of channel handlers. */
  createChannel?: (dest: DestinationConfig) => ChannelHandler;
  /** The node's durable job queue (its metrics); one of its own on `db` when not given. */
  queue?: IndexJobQueue;
}

/**
 * The alerts part, assembled: the outbox (written by findings), the sender (one worker per
 * destination), the escalation schedule, destinations and metrics. start/stop follow the
 * node's lifecycle; everything it does survives a restart through the index.
 */
export class AlertsPart {
  readonly alerts: AlertStore;
  readonly deliveries: DeliveryStore;
  readonly destinations: DestinationRegistry;
  readonly outbox: Outbox;
  readonly sender: AlertSender;
  readonly escalator: Escalator;
  readonly metrics: AlertMetrics;
  readonly clock: Clock;

  /** A fresh handler for a destination: the sender keeps one per destination; a check makes its own. */
  private readonly channelFor: (dest: DestinationConfig) => ChannelHandler;

  constructor(deps: AlertsDeps) {
    const { config, db, index, log } = deps;
    this.clock = deps.clock ?? systemClock;
    this.channelFor = deps.createChannel ?? ((dest) => createChannel(dest, { keyImage: deps.keyImage ?? (() => null), ...(deps.air && { air: deps.air }) }));
    this.alerts = new AlertStore(db);
    this.deliveries = new DeliveryStore(db, deps.queue);
    this.destinations = new DestinationRegistry(db, config.destinations, config.escalation);
    this.outbox = new Outbox({
      db,
      alerts: this.alerts,
      deliveries: this.deliveries,
      destinations: this.destinations,
      changes: index.changes,
      escalation: config.escalation,
      clock: this.clock,
      audit: deps.audit,
    });
    this.metrics = new AlertMetrics(deps.registry, {
      pendingByDestination: () => this.deliveries.pendingCounts(),
      breakerOpen: () => this.sender.breakerOpen(),
    });
    this.sender = new AlertSender(this.destinations, this.outbox, {
      db,
      index,
      alerts: this.alerts,
      deliveries: this.deliveries,
      outbox: this.outbox,
      clock: this.clock,
      config: config.delivery,
      metrics: this.metrics,
      log,
      random: deps.random ?? Math.random,
      createChannel: this.channelFor,
    });
    this.escalator = new Escalator(config.escalation, this.alerts, this.outbox, this.clock, this.metrics, log);
    this.outbox.observe({
      // A final result confirming a preliminary alert is the same alert made final, not a new one.
      created: (alert) => void (alert.confirms || this.metrics.alertsCreated.inc({ critical: String(alert.critical) })),
      acknowledged: () => this.metrics.acknowledgements.inc(),
      withdrawn: (alert) => {
        this.metrics.withdrawals.inc({ critical: String(alert.critical) });
        log.info('alert withdrawn: a later finding on its series is negative', { alertId: alert.id, findingId: alert.withdrawal?.id, studyId: alert.studyId });
      },
    });
  }

  /**
   * `send`: the destination workers (the `alerts` role); `escalate`: the escalation timer (the
   * `scheduler` role). Both by default, as on a node that runs every role.
   */
  async start(opts: { send?: boolean; escalate?: boolean } = {}): Promise<void> {
    const { send = true, escalate = true } = opts;
    const unknown = this.destinations.unknownEscalationTargets();
    if (unknown.length > 0) throw new VigilError('CONFIG_INVALID', `alerts.escalation names unknown destinations: ${unknown.join(', ')}`);
    const operational = this.destinations.operationalEscalationTargets();
    if (operational.length > 0)
      throw new VigilError('CONFIG_INVALID', `alerts.escalation names operational destinations (never sent patient alerts): ${operational.join(', ')}`);
    // A delivery the last process was sending when it stopped (a clean stop aborts it, a crash
    // leaves it) is pending again, its attempt counted: it is sent again under the same key.
    if (send) {
      this.deliveries.recoverInFlight(this.clock.now());
      this.sender.start();
    }
    if (escalate) this.escalator.start();
  }

  /** Another process of the cluster committed (src/db/commit-watch.ts): deliveries it queued may wait. */
  wakeSenders(): void {
    this.sender.wakeAll();
  }

  async stop(): Promise<void> {
    await this.escalator.stop();
    await this.sender.stop();
  }

  /**
   * Tries a destination without sending any patient data (the channel's check: an MLLP connection,
   * the FHIR CapabilityStatement, a signed ping, a C-ECHO), on a connection of its own, within
   * the time given. A failure is a result here, with the code a delivery would have failed with.
   */
  async checkDestination(id: string, timeoutMs: number): Promise<DestinationCheck> {
    const dest = this.destinations.get(id)?.config;
    if (!dest) throw new VigilError('ALERT_DESTINATION_UNKNOWN', `no destination "${id}"`);
    const channel = this.channelFor(dest);
    const started = this.clock.now();
    const signal = AbortSignal.timeout(timeoutMs);
    // Not every peer library listens to the signal (a C-ECHO runs to its own timeout): the answer does.
    const expired = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), { once: true }),
    );
    expired.catch(() => undefined);
    try {
      const detail = await Promise.race([channel.check(signal), expired]);
      return { destination: id, type: dest.type, ok: true, code: null, detail, elapsedMs: this.clock.now() - started };
    } catch (err) {
      // Our own words name hosts and codes, never patient data (a check sends none).
      const [code, detail] = signal.aborted
        ? ['CHECK_TIMED_OUT', `no answer within ${timeoutMs} ms`]
        : isVigilError(err)
          ? [err.code, err.message]
          : ['INTERNAL', 'unexpected error (see the node log)'];
      return { destination: id, type: dest.type, ok: false, code, detail, elapsedMs: this.clock.now() - started };
    } finally {
      await channel.close();
    }
  }
}

export interface DestinationCheck {
  destination: string;
  type: ChannelType;
  ok: boolean;
  /** The error code a delivery would have failed with (null when ok). */
  code: string | null;
  detail: string;
  elapsedMs: number;
}
