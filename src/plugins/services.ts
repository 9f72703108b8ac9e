import type { Priority } from '../worklist/priority.js';

/**
 * Services that later parts lend to plugins through ctx. Each is optional: a plugin checks
 * that the slot is filled before it uses it. Kept minimal on purpose; the parts that
 * implement them widen these interfaces as they land.
 */

/** Triage (src/triage/): ask for a series to be run through models. */
export interface TriageService {
  request(request: { seriesId: string; seriesVersion: number; models: readonly string[]; priority?: Priority; reason?: string }): void;
}

/** Alerts (src/alerts/): raise an alert about a finding outside the automatic path. */
export interface AlertsService {
  raise(alert: { findingId: string; reason: string }): void;
}

/** The reading worklist (src/worklist/): raise a study's priority, saying why. */
export interface WorklistService {
  raisePriority(studyId: string, priority: Priority, reason: string): void;
}

export interface PluginServices {
  triage?: TriageService;
  alerts?: AlertsService;
  worklist?: WorklistService;
}
