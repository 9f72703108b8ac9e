import type { SeriesStableEvent } from '../../src/events/types.js';
import type { TestNode } from '../helpers/test-node.js';
import { sendFiles } from '../../src/dicom/net/store-scu.js';

/** Sends files to the node with the dcmjs-dimse client; every status must be a success. */
export async function store(node: TestNode, files: string[], callingAeTitle = 'MODALITY'): Promise<void> {
  const report = await sendFiles({ host: '127.0.0.1', port: node.dicom.port, aeTitle: 'VIGIL' }, files, { callingAeTitle });
  if (report.failed > 0) throw new Error(`${report.failed} of ${files.length} instances were not stored`);
}

/** Collects every series-stable event the node emits. */
export function recordStable(node: TestNode): SeriesStableEvent[] {
  const events: SeriesStableEvent[] = [];
  node.bus.on('series-stable', (e) => void events.push(e));
  return events;
}

/** The /changes entries of the series tracker, as [type, data] pairs. */
export function trackerChanges(node: TestNode): [string, Record<string, unknown> | null][] {
  return node.index.changes
    .list(0, 1000)
    .changes.filter((c) => c.type === 'stable-series' || c.type === 'reopened-series')
    .map((c) => [c.type, c.data]);
}
