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

/**
 * What a live view shows changed (the worklist's GET /worklist/events stream): the kind of change
 * and the study, nothing else. Views fetch the list again, where roles decide what they see.
 */
export const LIVE_CHANGE_KINDS = ['study', 'finding', 'order', 'reading', 'alert', 'hint'] as const;
export type LiveChangeKind = (typeof LIVE_CHANGE_KINDS)[number];

export interface LiveChangeEvent {
  kind: LiveChangeKind;
  /** The study concerned; null for an order whose study has not arrived yet. */
  studyId: string | null;
  /** The effective priority became STAT with this change (a live view may announce it). */
  stat?: boolean;
}

/**
 * A live change made on another node of the cluster, relayed through PostgreSQL
 * (src/cluster/event-relay.ts). Its own event name, so that only live views hear it: no part
 * that works on 'live-change' or on the events behind it ever sees another node's change.
 */
export interface RemoteLiveChangeEvent extends LiveChangeEvent {
  /** The node that made the change. */
  fromNode: string;
}

/**
 * Live changes may have been missed (the relay's connection was lost and is back, or another
 * node's was): live views reload everything.
 */
export interface LiveResyncEvent {
  /** 'reconnected': this node's relay; 'peer-reconnected': another node's, whose changes of the gap are lost. */
  reason: 'reconnected' | 'peer-reconnected';
}

export interface VigilEventMap {
  'instance-stored': InstanceStoredEvent;
  /** Emitted exactly once per series version (see src/series/). */
  'series-stable': SeriesStableEvent;
  /** Emitted after a finding is committed (see src/triage/). */
  finding: FindingEvent;
  /** Emitted by the worklist after each change a live view shows (after the commit). */
  'live-change': LiveChangeEvent;
  /** Another node's live change (see RemoteLiveChangeEvent): for live views only. */
  'remote-live-change': RemoteLiveChangeEvent;
  /** Live views reload: relayed changes may have been lost. */
  'live-resync': LiveResyncEvent;
}

export type VigilEventName = keyof VigilEventMap;
