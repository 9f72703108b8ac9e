import { isVigilError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { RoutingSink } from '../rules/sink.js';
import type { TriageEngine } from './engine.js';

/**
 * Routing's model decisions become triage jobs. The series version comes from the series
 * tracker, so a series reopened by a late instance is triaged again once its new version is
 * stable, and a decision repeated for the same version queues nothing new. A model that is
 * unknown, disabled or unavailable is logged with its code; routing goes on. Forwards are left
 * to `forward` (the forwarder's seam).
 */
export function triageRoutingSink(
  triage: TriageEngine,
  versionOf: (seriesId: string) => number | undefined,
  forward: RoutingSink['forward'],
  log: Logger,
): RoutingSink {
  return {
    runModel(job) {
      try {
        triage.enqueue({
          seriesId: job.seriesId,
          seriesVersion: versionOf(job.seriesId) || 1,
          modelId: job.modelId,
          priority: job.priority,
          ruleId: job.ruleId,
        });
      } catch (err) {
        if (!isVigilError(err)) throw err;
        log.warn('routing asked for a model that cannot take jobs', {
          seriesId: job.seriesId,
          modelId: job.modelId,
          ruleId: job.ruleId,
          code: err.code,
          reason: err.message,
        });
      }
    },
    forward,
  };
}
