import type { Logger } from '../log/logger.js';
import type { ModelJobRequest, RoutingSink } from '../rules/sink.js';
import type { Db } from '../db/database.js';
import type { Priority } from '../domain/priority.js';
import { rankSql } from './effective-priority.js';
import type { WorklistLive } from './live.js';
import { describeError } from '../log/describe-error.js';

/**
 * The routing rules' priority hints ("a CT head from the ED is urgent"), one per series: the
 * most pressing hint any of its model jobs carried. With the order's priority they make a
 * study's base priority (effective-priority.ts).
 */
export class RuleHints {
  private readonly upsert;

  constructor(
    db: Db,
    private readonly deps: { live: WorklistLive; studyOfSeries: (seriesId: string) => string | undefined; now: () => number },
  ) {
    this.upsert = db.prepare(
      `INSERT INTO worklist_rule_hints (study_id, series_id, rule_id, priority, at) VALUES (@studyId, @seriesId, @ruleId, @priority, @at)
       ON CONFLICT (study_id, series_id) DO UPDATE SET rule_id = excluded.rule_id, priority = excluded.priority, at = excluded.at
       WHERE ${rankSql('excluded.priority')} > ${rankSql('worklist_rule_hints.priority')}`,
    );
  }

  /** Returns false when the series is no longer in the index. */
  record(job: Pick<ModelJobRequest, 'seriesId' | 'priority' | 'ruleId'>): boolean {
    const studyId = this.deps.studyOfSeries(job.seriesId);
    if (!studyId) return false;
    this.upsertHint(studyId, job.seriesId, job.ruleId, job.priority);
    return true;
  }

  /**
   * A hint for a whole study from a plugin (ctx.worklist.raisePriority): one per plugin and
   * study, kept in the series column under the plugin's source name ("plugin:<id>").
   */
  recordForStudy(studyId: string, source: string, priority: Priority): void {
    this.upsertHint(studyId, source, source, priority);
  }

  private upsertHint(studyId: string, seriesId: string, ruleId: string, priority: Priority): void {
    const info = this.upsert.run({ studyId, seriesId, ruleId, priority, at: this.deps.now() });
    if (info.changes > 0) this.deps.live.notify('hint', studyId);
  }
}

/**
 * Wraps the routing sink so that each model job leaves its priority hint on the worklist
 * before it is handed on (to the triage engine). A hint that cannot be recorded never stops
 * the job.
 */
export function withRuleHints(hints: RuleHints, inner: RoutingSink, log: Logger): RoutingSink {
  return {
    runModel(job) {
      try {
        hints.record(job);
      } catch (err) {
        log.error('routing hint not recorded on the worklist', { seriesId: job.seriesId, ruleId: job.ruleId, error: describeError(err) });
      }
      return inner.runModel(job);
    },
    forward: (job) => inner.forward(job),
  };
}
