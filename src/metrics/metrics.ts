import client from 'prom-client';

/**
 * The node's metrics, one registry per node (tests run several nodes in one process). Parts get
 * this object from src/node.ts and add their figures with one line each:
 *
 *   const depth = metrics.gauge({ name: 'vigil_triage_queue_depth', help: 'Jobs waiting', collect() { this.set(queue.size()) } });
 *   const sent = metrics.counter({ name: 'vigil_alerts_sent_total', help: 'Alerts delivered', labelNames: ['channel'] as const });
 *
 * Names start with `vigil_`, units are seconds and bytes, counters end in `_total`; labels take
 * a small closed set of values (a route pattern, a reason), never ids, AE titles or patient data.
 */
export class Metrics {
  readonly registry = new client.Registry();

  counter<T extends string>(config: client.CounterConfiguration<T>): client.Counter<T> {
    return new client.Counter({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: client.GaugeConfiguration<T>): client.Gauge<T> {
    return new client.Gauge({ ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: client.HistogramConfiguration<T>): client.Histogram<T> {
    return new client.Histogram({ ...config, registers: [this.registry] });
  }

  /** The Prometheus text exposition: this node's figures and the process's own. */
  async render(): Promise<{ contentType: string; body: string }> {
    const merged = client.Registry.merge([processRegistry(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}

/** Seconds buckets from 1 ms to 10 s, for request and store latencies. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processMetrics: client.Registry | undefined;

/**
 * CPU, memory, event loop and GC figures describe the process, not a node, and prom-client
 * installs observers for them: one registry per process.
 */
function processRegistry(): client.Registry {
  if (!processMetrics) {
    processMetrics = new client.Registry();
    client.collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
