import type { Dataset } from '../../../../dicom/net/dimse.js';
import { TransferSyntax } from '../../../../dicom/data/uids.js';
import type { InstanceStore, StoreOutcome } from '../../../../store/instance-store.js';
import { OWN_RESULTS_AE_TITLE } from '../../../../store/own-results.js';

/** The node's own store, as a C-STORE or STOW-RS reaches it. */
export type NodeStore = Pick<InstanceStore, 'createWriter' | 'complete'>;

/**
 * Stores one result object in the node itself, through the path a received C-STORE takes (the
 * same checks, index, completeness and DICOMweb), under the source AE title that routing never
 * sends to a model. Its UID derives from the alert, so a retry finds it held (a duplicate).
 */
export async function keepInNode(store: NodeStore, dataset: Dataset, ids: { sopClassUid: string; sopInstanceUid: string }): Promise<StoreOutcome> {
  const incoming = { ...ids, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, callingAeTitle: OWN_RESULTS_AE_TITLE, remoteAddress: null };
  const writer = store.createWriter(incoming);
  writer.write(dataset.getDenaturalizedDataset());
  writer.end();
  return store.complete(writer, incoming);
}
