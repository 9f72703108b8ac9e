import type { Priority } from '../domain/priority.js';

/**
 * Services the node lends to plugins through ctx (src/plugins/lent-services.ts fills them).
 * Each is optional in the type, so that a plugin loaded by a host without them (a test host)
 * checks before it uses one.
 */

/** Triage (src/triage/): run a series through models, as a routing rule would. */
export interface TriageService {
  /**
   * Queues one job per model (idempotent per series version and model). Throws a VigilError
   * with NOT_FOUND for an unknown series or model, TRIAGE_MODEL_UNAVAILABLE for a disabled one.
   */
  request(request: { seriesId: string; seriesVersion?: number; models: readonly string[]; priority?: Priority }): void;
}

/** The reading worklist (src/worklist/): raise a study's base priority, as a rule's hint does. */
export interface WorklistService {
  /** Never lowers: the more pressing of this and the study's other hints and order counts. Throws NOT_FOUND for an unknown study. */
  raisePriority(studyId: string, priority: Priority): void;
}

export interface PluginServices {
  triage?: TriageService;
  worklist?: WorklistService;
}
