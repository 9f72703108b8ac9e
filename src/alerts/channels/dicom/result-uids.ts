import { derivedUid } from '../../../dicom/data/uids.js';
import type { DeliveryKind } from '../../model.js';

/**
 * The UIDs of the DICOM objects Vigil writes for a result, derived from the result and alert
 * ids: a retry, or a restart between two attempts, sends the very same instances (a PACS
 * keeps one copy), and a later document can name the one it replaces without a look-up.
 * Every document about one result goes in one SR series; its key images in one SC series.
 */
export const resultUids = {
  srSeries: (resultId: string) => derivedUid('vigil-result', resultId, 'sr-series'),
  scSeries: (resultId: string) => derivedUid('vigil-result', resultId, 'sc-series'),
  sr: (alertId: string, kind: Exclude<DeliveryKind, 'escalation'>) => derivedUid('vigil-alert', alertId, 'sr', kind),
  sc: (alertId: string) => derivedUid('vigil-alert', alertId, 'sc'),
};
