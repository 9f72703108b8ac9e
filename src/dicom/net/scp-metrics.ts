import type { Metrics } from '../../metrics/metrics.js';
import { LATENCY_BUCKETS } from '../../metrics/metrics.js';
import type { ScpObserver } from './scp.js';

/** The DICOM figures, fed by the SCP's observer hooks. No AE titles in labels: they are unbounded. */
export function scpMetrics(metrics: Metrics, live: { activeAssociations(): number }): ScpObserver {
  const accepted = metrics.counter({ name: 'vigil_dicom_associations_accepted_total', help: 'DICOM associations accepted' });
  const rejected = metrics.counter({
    name: 'vigil_dicom_associations_rejected_total',
    help: 'DICOM associations rejected, by reason',
    labelNames: ['reason'] as const,
  });
  const cut = metrics.counter({
    name: 'vigil_dicom_connections_cut_total',
    help: 'DICOM connections the node closed on its own: silent past a timer (by phase) or one too many waiting from an address (waiting-limit)',
    labelNames: ['reason'] as const,
  });
  metrics.gauge({
    name: 'vigil_dicom_associations_active',
    help: 'DICOM associations open now',
    collect() {
      this.set(live.activeAssociations());
    },
  });
  const instances = metrics.counter({
    name: 'vigil_dicom_instances_received_total',
    help: 'C-STORE data sets received, by outcome (stored, duplicate, refused)',
    labelNames: ['outcome'] as const,
  });
  const refused = metrics.counter({
    name: 'vigil_dicom_instances_refused_total',
    help: 'C-STORE data sets refused, by reason',
    labelNames: ['reason'] as const,
  });
  const bytes = metrics.counter({ name: 'vigil_dicom_received_bytes_total', help: 'Bytes of C-STORE data sets received' });
  const storeSeconds = metrics.histogram({
    name: 'vigil_dicom_store_duration_seconds',
    help: 'From the first byte of a data set to its answer (durable and indexed, or refused)',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
  });

  return {
    associationAccepted: () => accepted.inc(),
    associationRejected: (reason) => rejected.inc({ reason }),
    connectionCut: (reason) => cut.inc({ reason }),
    instanceCompleted: (outcome, byteCount, durationMs) => {
      instances.inc({ outcome: outcome.kind });
      if (outcome.kind === 'refused') refused.inc({ reason: outcome.reason });
      bytes.inc(byteCount);
      storeSeconds.observe({ outcome: outcome.kind }, durationMs / 1000);
    },
  };
}
