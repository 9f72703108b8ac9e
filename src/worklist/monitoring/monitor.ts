import cron, { type ScheduledTask } from 'node-cron';
import type { WorklistConfig } from '../../config/sections/worklist.js';
import { wilson, type Proportion } from '../../core/statistics/proportion.js';
import type { Logger } from '../../log/logger.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { ChangeFeed } from '../../store/changes.js';
import type { BaselineLookup } from './baseline.js';
import { addDays, DAY_MS, dayStart, utcDay, type ModelDay, type ModelDays } from './model-days.js';
import { describeError } from '../../log/describe-error.js';
import { shareAtOrAbove, type GoLive, type GoLiveView } from './go-live.js';

/** Days recomputed on each run: feedback given after a day was first computed still counts. */
const RECOMPUTE_DAYS = 7;

export type { DriftAlertSink, DriftReport, PositiveRateAlarmSink, PositiveRateReport } from '../../domain/model-reports.js';
import type { DriftAlertSink, DriftReport, PositiveRateAlarmSink } from '../../domain/model-reports.js';

export interface ModelSummary {
  modelId: string;
  /** PPV over the last ppvWindowDays of positive findings with a verdict, with its Wilson interval. */
  ppv: Proportion;
  ppvWindowDays: number;
  baseline: { state: BaselineLookup['kind']; source: string | null; reason: string | null };
  /** Newest first. */
  days: ModelDay[];
  /** Over the last goLiveWindowDays, computed at the request: see go-live.ts. */
  goLive?: GoLiveView;
}

export interface ModelMonitorDeps {
  config: WorklistConfig['monitoring'];
  days: ModelDays;
  baselineOf: (modelId: string) => BaselineLookup;
  changes: ChangeFeed;
  now: () => number;
  log: Logger;
  metrics?: Metrics;
  onDrift?: DriftAlertSink;
  onPositiveRate?: PositiveRateAlarmSink;
  goLive?: GoLive;
}

/**
 * Per-model monitoring, nightly on node-cron (UTC): for the day before, each model's volume,
 * positive rate, PPV from radiologists' verdicts, and the drift of its scores from its
 * validation baseline. Drift above the threshold is a 'model-drift' change, a warning in the
 * log and a drift alert, once per model and day however often the day is recomputed.
 * The figures are also gauges in /metrics (labels: model id, a small closed set).
 */
export class ModelMonitor {
  private task: ScheduledTask | undefined;
  private readonly gauges;

  constructor(private readonly deps: ModelMonitorDeps) {
    const m = deps.metrics;
    this.gauges = m && {
      volume: m.gauge({ name: 'vigil_model_findings_last_day', help: 'Findings a model made on the last computed UTC day', labelNames: ['model'] as const }),
      positiveRate: m.gauge({
        name: 'vigil_model_positive_rate_last_day',
        help: 'Share of positive findings on the last computed UTC day',
        labelNames: ['model'] as const,
      }),
      ppv: m.gauge({
        name: 'vigil_model_ppv',
        help: "PPV from radiologists' verdicts over the PPV window (NaN without verdicts)",
        labelNames: ['model'] as const,
      }),
      psi: m.gauge({
        name: 'vigil_model_score_psi',
        help: 'Population stability index of scores against the validation baseline (NaN when not judged)',
        labelNames: ['model'] as const,
      }),
      drift: m.gauge({ name: 'vigil_model_drift', help: '1 when the score distribution drifted past the threshold, else 0', labelNames: ['model'] as const }),
    };
  }

  /** Schedules the nightly run, and runs once now so a node that was down catches up. */
  start(): void {
    this.task = cron.schedule(this.deps.config.schedule, () => void this.runSafely(), {
      name: 'worklist-model-monitoring',
      noOverlap: true,
      timezone: 'Etc/UTC',
    });
    this.runSafely();
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
  }

  /** Computes the UTC day before `now` (and recomputes the days before it); returns that day's figures. */
  runOnce(now = this.deps.now()): ModelDay[] {
    const { days, config } = this.deps;
    const newest = utcDay(now - DAY_MS);
    const out: ModelDay[] = [];
    for (const modelId of days.modelIds()) {
      const baseline = this.deps.baselineOf(modelId);
      for (let back = RECOMPUTE_DAYS - 1; back >= 0; back--) {
        const day = addDays(newest, -back);
        const before = days.get(modelId, day);
        const figures = days.compute(modelId, day, config, baseline, now);
        days.save(figures);
        if (figures.drift === 'drift' && before?.drift !== 'drift' && baseline.kind === 'found') {
          this.reportDrift(figures, baseline.baseline.source);
        }
        this.checkPositiveRate(figures, baseline);
        if (back === 0) out.push(figures);
      }
      this.publish(modelId, out[out.length - 1]!, now);
    }
    return out;
  }

  /** The figures for the page and the API: each model's recent days and rolling PPV. */
  summary(now = this.deps.now(), daysBack = 30): ModelSummary[] {
    const { days, config } = this.deps;
    const stored = days.since(addDays(utcDay(now), -daysBack));
    return days.modelIds().map((modelId) => {
      const baseline = this.deps.baselineOf(modelId);
      return {
        modelId,
        ppv: this.ppv(modelId, now),
        ppvWindowDays: config.ppvWindowDays,
        baseline: {
          state: baseline.kind,
          source: baseline.kind === 'found' ? baseline.baseline.source : null,
          reason: baseline.kind === 'invalid' ? baseline.reason : null,
        },
        days: stored.filter((d) => d.modelId === modelId),
        ...(this.deps.goLive && { goLive: this.deps.goLive.of(modelId, now, Math.min(daysBack, config.goLiveWindowDays), baseline) }),
      };
    });
  }

  private ppv(modelId: string, now: number): Proportion {
    const to = dayStart(utcDay(now)) + DAY_MS;
    const { agree, disagree } = this.deps.days.verdicts(modelId, to - this.deps.config.ppvWindowDays * DAY_MS, to);
    return wilson(agree, agree + disagree);
  }

  private reportDrift(d: ModelDay, baselineSource: string): void {
    const report: DriftReport = {
      modelId: d.modelId,
      day: d.day,
      psi: d.psi!,
      threshold: this.deps.config.driftThreshold,
      windowDays: this.deps.config.driftWindowDays,
      windowScores: d.windowScores,
      baselineSource,
    };
    this.deps.changes.append(
      'model-drift',
      'model',
      d.modelId,
      { day: d.day, psi: d.psi, threshold: report.threshold, windowScores: d.windowScores },
      d.computedAt,
    );
    this.deps.log.warn('model score distribution drifted from its validation baseline', {
      modelId: d.modelId,
      day: d.day,
      psi: d.psi,
      threshold: report.threshold,
    });
    try {
      this.deps.onDrift?.(report);
    } catch (err) {
      this.deps.log.error('drift alert failed', { modelId: d.modelId, error: describeError(err) });
    }
  }

  /** Tells IT when the day's positive rate is far above the validated one (once per model and day: the sink dedups). */
  private checkPositiveRate(d: ModelDay, baseline: BaselineLookup): void {
    const alarm = this.deps.config.positiveRateAlarm;
    if (!this.deps.onPositiveRate || !this.deps.goLive || baseline.kind !== 'found' || d.volume < alarm.minFindings) return;
    const threshold = this.deps.goLive.thresholdOn(d.modelId, dayStart(d.day), dayStart(d.day) + DAY_MS);
    if (threshold === null) return;
    const validatedRate = shareAtOrAbove(baseline.baseline.edges, baseline.baseline.counts, threshold);
    const positiveRate = wilson(d.positives, d.volume);
    if (positiveRate.ci95![0] <= alarm.factor * validatedRate) return;
    this.deps.log.warn('model positive rate far above the validated one', {
      modelId: d.modelId,
      day: d.day,
      positives: d.positives,
      volume: d.volume,
      validatedRate,
      threshold,
    });
    try {
      this.deps.onPositiveRate({ modelId: d.modelId, day: d.day, positiveRate, validatedRate, threshold, factor: alarm.factor });
    } catch (err) {
      this.deps.log.error('positive rate alarm failed', { modelId: d.modelId, error: describeError(err) });
    }
  }

  private publish(modelId: string, d: ModelDay, now: number): void {
    const g = this.gauges;
    if (!g) return;
    const labels = { model: modelId };
    g.volume.set(labels, d.volume);
    g.positiveRate.set(labels, d.volume > 0 ? d.positives / d.volume : Number.NaN);
    g.ppv.set(labels, this.ppv(modelId, now).value ?? Number.NaN);
    g.psi.set(labels, d.psi ?? Number.NaN);
    g.drift.set(labels, d.drift === 'drift' ? 1 : 0);
  }

  private runSafely(): void {
    try {
      const figures = this.runOnce();
      this.deps.log.info('model monitoring computed', { models: figures.length, day: figures[0]?.day ?? null });
    } catch (err) {
      this.deps.log.error('model monitoring failed', { error: describeError(err) });
    }
  }
}
