import type { Logger } from '../log/logger.js';
import type { Priority } from '../domain/priority.js';

/**
 * Where routing hands its decisions: one model job per model, one forward per destination.
 * The node wires the triage engine's enqueue and the forwarder here; routing knows neither.
 */
export interface ModelJobRequest {
  seriesId: string;
  modelId: string;
  priority: Priority;
  ruleId: string;
}

export interface ForwardRequest {
  seriesId: string;
  destination: string;
  ruleId: string;
}

export interface RoutingSink {
  runModel(job: ModelJobRequest): void | Promise<void>;
  forward(job: ForwardRequest): void | Promise<void>;
}

/** Until a triage engine or forwarder is wired: the decision is recorded, nothing is queued. */
export function loggingSink(log: Logger): RoutingSink {
  return {
    runModel: (job) => void log.warn('no triage engine wired: model job not queued', { ...job }),
    forward: (job) => void log.warn('no forwarder wired: series not forwarded', { ...job }),
  };
}
