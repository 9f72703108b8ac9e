import type { Metrics } from '../metrics/metrics.js';
import type { InstanceStore } from './instance-store.js';

/** How many received instances each index transaction carried (storage.groupCommitMs). */
export function groupCommitMetrics(metrics: Metrics, store: InstanceStore): void {
  const sizes = metrics.histogram({
    name: 'vigil_store_group_commit_instances',
    help: 'Received instances flushed and indexed together in one transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
  });
  store.observeGroupCommits((size) => sizes.observe(size));
}
