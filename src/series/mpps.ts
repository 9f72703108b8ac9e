import type { MppsAnswer, MppsHandler, MppsRequest } from '../dicom/net/mpps-handler.js';
import { flattenValue } from '../domain/header-summary.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../core/clock.js';
import { MPPS_STATES, type MppsListing, type MppsState, type MppsStore } from './mpps-store.js';

/** N-CREATE / N-SET statuses (PS3.4 F.7.2, PS3.7 C). */
export const MppsStatus = {
  Success: 0x0000,
  InvalidAttributeValue: 0x0106,
  ProcessingFailure: 0x0110,
  DuplicateSopInstance: 0x0111,
  NoSuchObjectInstance: 0x0112,
  MissingAttribute: 0x0120,
} as const;

/**
 * Vigil as an MPPS SCP. A step is created IN PROGRESS, updated by N-SET, and final once
 * COMPLETED or DISCONTINUED (PS3.4 F.7.2.2: a final step may no longer be updated). When a step
 * completes, the tracker checks the series it lists; the listing stays in the index so instances
 * that arrive after the N-SET still complete their series.
 */
export class MppsService implements MppsHandler {
  constructor(
    private readonly store: MppsStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onCompleted: (seriesInstanceUids: string[]) => void,
  ) {}

  create(request: MppsRequest): MppsAnswer {
    const status = readStatus(request.attrs);
    if (status === undefined) return { status: MppsStatus.MissingAttribute, comment: 'Performed Procedure Step Status is missing' };
    if (status !== 'IN PROGRESS') return { status: MppsStatus.InvalidAttributeValue, comment: 'a new step must be IN PROGRESS' };
    if (this.store.status(request.sopInstanceUid)) return { status: MppsStatus.DuplicateSopInstance };
    const listing = readListing(request.attrs) ?? [];
    this.store.create(request.sopInstanceUid, status, request.callingAeTitle, this.clock.now(), listing);
    this.log.info('mpps step created', { mpps: request.sopInstanceUid, listed: listing.length });
    return { status: MppsStatus.Success };
  }

  set(request: MppsRequest): MppsAnswer {
    const current = this.store.status(request.sopInstanceUid);
    if (!current) return { status: MppsStatus.NoSuchObjectInstance };
    if (current !== 'IN PROGRESS') {
      return { status: MppsStatus.ProcessingFailure, comment: 'Performed Procedure Step may no longer be updated' };
    }
    const status = readStatus(request.attrs) ?? current;
    if (!isMppsState(status)) return { status: MppsStatus.InvalidAttributeValue, comment: 'unknown step status' };
    const listing = readListing(request.attrs);
    this.store.update(request.sopInstanceUid, status, this.clock.now(), listing);
    this.log.info('mpps step updated', { mpps: request.sopInstanceUid, status, listed: listing?.length });
    if (status === 'COMPLETED') this.onCompleted(this.store.seriesListedBy(request.sopInstanceUid));
    return { status: MppsStatus.Success };
  }
}

function readStatus(attrs: Record<string, unknown>): string | undefined {
  const value = flattenValue(attrs.PerformedProcedureStepStatus);
  return value === undefined || value === '' ? undefined : value;
}

function isMppsState(value: string): value is MppsState {
  return (MPPS_STATES as readonly string[]).includes(value);
}

/** Performed Series Sequence: the image and non-image instances each series holds. */
function readListing(attrs: Record<string, unknown>): MppsListing[] | undefined {
  if (!('PerformedSeriesSequence' in attrs)) return undefined;
  const listing: MppsListing[] = [];
  for (const series of items(attrs.PerformedSeriesSequence)) {
    const seriesInstanceUid = flattenValue(series.SeriesInstanceUID);
    if (!seriesInstanceUid) continue;
    for (const key of ['ReferencedImageSequence', 'ReferencedNonImageCompositeSOPInstanceSequence']) {
      for (const ref of items(series[key])) {
        const sopInstanceUid = flattenValue(ref.ReferencedSOPInstanceUID);
        if (sopInstanceUid) listing.push({ seriesInstanceUid, sopInstanceUid });
      }
    }
  }
  return listing;
}

/** A sequence as dcmjs gives it: an array of items, or a lone item. */
function items(value: unknown): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  return list.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object');
}
