import type { Proportion } from '../core/statistics/proportion.js';

// What model monitoring reports (src/worklist/monitoring) and the operational notices say
// (src/alerts/operational): shared here so that neither imports the other.

/** What the monitor says when a model's scores drift from its validation baseline. */
export interface DriftReport {
  modelId: string;
  day: string;
  psi: number;
  threshold: number;
  windowDays: number;
  windowScores: number;
  baselineSource: string;
}

/** Where drift goes besides /changes and the log: the operational outbox (src/alerts/operational). */
export type DriftAlertSink = (report: DriftReport) => void;

/** A day whose positive rate is far above the validated one (worklist.monitoring.positiveRateAlarm). */
export interface PositiveRateReport {
  modelId: string;
  day: string;
  positiveRate: Proportion;
  validatedRate: number;
  threshold: number;
  factor: number;
}
export type PositiveRateAlarmSink = (report: PositiveRateReport) => void;
