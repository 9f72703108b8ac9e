import { derivedUid } from '../../../dicom/data/uids.js';
import type { SegmentationType } from '../../../config/sections/alerts.js';
import type { DeliveryKind } from '../../model.js';

/**
 * The UIDs of the DICOM objects Vigil writes for a result, derived from the result and alert
 * ids: a retry, or a restart between two attempts, sends the very same instances (a PACS
 * keeps one copy), and a later document can name the one it replaces without a look-up.
 * Every document about one result goes in one SR series; its key images in one SC series, its
 * localisation maps in one SEG series and its key object selections in one KO series.
 */
export const resultUids = {
  srSeries: (resultId: string) => derivedUid('vigil-result', resultId, 'sr-series'),
  scSeries: (resultId: string) => derivedUid('vigil-result', resultId, 'sc-series'),
  sr: (alertId: string, kind: Exclude<DeliveryKind, 'escalation'>) => derivedUid('vigil-alert', alertId, 'sr', kind),
  sc: (alertId: string) => derivedUid('vigil-alert', alertId, 'sc'),
  /** The binary and fractional SEGs of a result in two series (the fractional one in the series it had when it was the only kind). */
  segSeries: (resultId: string, type: SegmentationType) =>
    type === 'fractional' ? derivedUid('vigil-result', resultId, 'seg-series') : derivedUid('vigil-result', resultId, 'seg-series', type),
  /**
   * A binary and a fractional SEG of one alert are two different objects (two destinations may
   * ask for one each, and the node keeps both): each has its own UID. The fractional one keeps
   * the UID it had when it was the only kind, so a delivery retried across the upgrade sends the
   * same instance.
   */
  seg: (alertId: string, type: SegmentationType) =>
    type === 'fractional' ? derivedUid('vigil-alert', alertId, 'seg') : derivedUid('vigil-alert', alertId, 'seg', type),
  kosSeries: (resultId: string) => derivedUid('vigil-result', resultId, 'kos-series'),
  kos: (alertId: string) => derivedUid('vigil-alert', alertId, 'kos'),
  /** One finding of one result is one tracked object (TID 1500), whatever later documents say about it. */
  tracking: (resultId: string) => derivedUid('vigil-result', resultId, 'tracking'),
  /** The SEG's dimension organisation: one per SEG instance. */
  segDimensions: (alertId: string, type: SegmentationType) =>
    type === 'fractional' ? derivedUid('vigil-alert', alertId, 'seg-dimensions') : derivedUid('vigil-alert', alertId, 'seg-dimensions', type),
};
