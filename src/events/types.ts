import type { Finding } from '../domain/finding.js';

/**
 * What happens inside the node, as typed events. Parts hand work over through these and the
 * index, never through long call chains. Payloads carry ids and UIDs, never patient data.
 */
export interface InstanceStoredEvent {
  instanceId: string;
  seriesId: string;
  studyId: string;
  patientId: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  modality: string | null;
  callingAeTitle: string;
  /** The first instance of its series. */
  newSeries: boolean;
  newStudy: boolean;
  /** Milliseconds since the epoch when the instance became durable. */
  storedAt: number;
}

/**
 * How the series tracker knew a series was complete: a COMPLETED MPPS step, the count tags,
 * its sender's learned quiet time, a single image from a sender of single-image series, or
 * the idle window.
 */
export type StableReason = 'mpps' | 'counts' | 'quiet' | 'single-image' | 'idle';

export interface SeriesStableEvent {
  seriesId: string;
  studyId: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  modality: string | null;
  /** 1 for the first time a series is complete; +1 each time a late instance reopens it. */
  version: number;
  reason: StableReason;
  instanceCount: number;
  lastInstanceAt: number;
  stableAt: number;
  /**
   * false when this version reopens a series and config `series.rerunTriageOnReopen` is off:
   * triage already ran on an earlier version. Absent means true.
   */
  runTriage?: boolean;
}

export interface FindingEvent {
  finding: Finding;
}

export interface VigilEventMap {
  'instance-stored': InstanceStoredEvent;
  /** Emitted exactly once per series version (see src/series/). */
  'series-stable': SeriesStableEvent;
  /** Emitted after a finding is committed (see src/triage/). */
  finding: FindingEvent;
}

export type VigilEventName = keyof VigilEventMap;
