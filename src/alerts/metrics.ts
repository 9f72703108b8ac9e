import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds from finding stored to destination acknowledged: the number that matters. */
const TTN_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

/**
 * The alerts' Prometheus metrics, registered into the registry the node's /metrics serves
 * (or a private one). Labels carry destination ids, channels and error codes, never patient data.
 */
export class AlertMetrics {
  readonly alertsCreated: Counter<'critical'>;
  readonly deliveries: Counter<'destination' | 'channel' | 'outcome'>;
  readonly attempts: Counter<'destination' | 'channel' | 'result'>;
  readonly timeToNotification: Histogram<'destination' | 'channel' | 'kind'>;
  readonly escalations: Counter<'level'>;
  readonly acknowledgements: Counter;
  readonly withdrawals: Counter<'critical'>;
  readonly pending: Gauge<'destination'>;
  readonly breakerOpen: Gauge<'destination'>;

  constructor(
    readonly registry: Registry = new Registry(),
    live: { pendingByDestination(): Map<string, number>; breakerOpen(): Map<string, boolean> } = {
      pendingByDestination: () => new Map(),
      breakerOpen: () => new Map(),
    },
  ) {
    const registers = [registry];
    this.alertsCreated = new Counter({ name: 'vigil_alerts_created_total', help: 'Alerts raised from findings', labelNames: ['critical'], registers });
    this.deliveries = new Counter({
      name: 'vigil_alert_deliveries_total',
      help: 'Alert deliveries closed, by outcome (delivered, dead)',
      labelNames: ['destination', 'channel', 'outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: 'vigil_alert_delivery_attempts_total',
      help: 'Delivery attempts, by result (ok or the error code)',
      labelNames: ['destination', 'channel', 'result'],
      registers,
    });
    this.timeToNotification = new Histogram({
      name: 'vigil_alert_time_to_notification_seconds',
      help: 'From the finding stored to the destination acknowledging its alert',
      labelNames: ['destination', 'channel', 'kind'],
      buckets: TTN_BUCKETS,
      registers,
    });
    this.escalations = new Counter({
      name: 'vigil_alert_escalations_total',
      help: 'Escalations of unacknowledged critical alerts',
      labelNames: ['level'],
      registers,
    });
    this.acknowledgements = new Counter({ name: 'vigil_alert_acknowledgements_total', help: 'Alerts acknowledged by a radiologist', registers });
    this.withdrawals = new Counter({
      name: 'vigil_alerts_withdrawn_total',
      help: 'Alerts withdrawn because a later finding on their series was negative',
      labelNames: ['critical'],
      registers,
    });
    this.pending = new Gauge({
      name: 'vigil_alert_outbox_pending',
      help: 'Deliveries waiting in the outbox',
      labelNames: ['destination'],
      registers,
      collect() {
        this.reset();
        for (const [destination, n] of live.pendingByDestination()) this.set({ destination }, n);
      },
    });
    this.breakerOpen = new Gauge({
      name: 'vigil_alert_destination_breaker_open',
      help: '1 while a destination is left alone after repeated failures',
      labelNames: ['destination'],
      registers,
      collect() {
        this.reset();
        for (const [destination, open] of live.breakerOpen()) this.set({ destination }, open ? 1 : 0);
      },
    });
  }
}
