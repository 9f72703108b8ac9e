import crypto from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { Db } from '../store/database.js';
import type { ErrorCode } from '../errors.js';
import { PRIORITY_RANK, type Priority } from '../worklist/priority.js';

/**
 * queued → running → done; a passing failure goes back to queued (with a delay) until its
 * attempts run out (dead); bad input fails at once (failed). IT may cancel or retry.
 */
export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * Where a done job's time went, in ms, as its worker measured it: reading and decoding the
 * files, preprocessing to the model's tensor, the ONNX Runtime call, rendering the key image.
 */
export interface JobStageTimings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  keyImageMs: number;
}

export interface Job {
  id: string;
  seriesId: string;
  seriesVersion: number;
  modelId: string;
  /**
   * An early run: the model on the part of the series version that has arrived (its pack's
   * `partial` coverage met); its finding is preliminary. The final job of the version runs at completion.
   */
  early: boolean;
  priority: Priority;
  /** The model's clinical urgency (its pack's finding.urgency) when the job was queued. */
  urgency: number;
  ruleId: string | null;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  error: { code: string; detail: string } | null;
  createdAt: number;
  availableAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  findingId: string | null;
  /** Set when the job is done. */
  timings: JobStageTimings | null;
}

interface JobRow {
  id: string;
  series_id: string;
  series_version: number;
  model_id: string;
  early: number;
  priority: Priority;
  urgency: number;
  rule_id: string | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  error_code: string | null;
  error_detail: string | null;
  created_at: number;
  available_at: number;
  started_at: number | null;
  finished_at: number | null;
  finding_id: string | null;
  decode_ms: number | null;
  preprocess_ms: number | null;
  inference_ms: number | null;
  key_image_ms: number | null;
}

export interface NewJob {
  seriesId: string;
  seriesVersion: number;
  modelId: string;
  /** False unless said: the final run at completion. */
  early?: boolean;
  priority: Priority;
  urgency: number;
  ruleId: string | null;
  maxAttempts: number;
}

/** The durable triage queue in the index. Every method is one short synchronous statement or transaction. */
export class JobStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    /** Times every default `now` below (the node passes its own, tests a ManualClock). */
    private readonly clock: Clock = systemClock,
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO triage_jobs (id, series_id, series_version, model_id, early, priority, priority_rank, urgency, rule_id, state, attempts, max_attempts, created_at, available_at)
         VALUES (@id, @seriesId, @seriesVersion, @modelId, @early, @priority, @rank, @urgency, @ruleId, 'queued', 0, @maxAttempts, @now, @now)
         ON CONFLICT (series_id, series_version, model_id, early) DO NOTHING`,
      ),
      byKey: db.prepare<[string, number, string, number], JobRow>('SELECT * FROM triage_jobs WHERE series_id = ? AND series_version = ? AND model_id = ? AND early = ?'),
      get: db.prepare<[string], JobRow>('SELECT * FROM triage_jobs WHERE id = ?'),
      claim: db.prepare<[{ now: number }], JobRow>(
        `UPDATE triage_jobs SET state = 'running', attempts = attempts + 1, started_at = @now
         WHERE id = (SELECT id FROM triage_jobs WHERE state = 'queued' AND available_at <= @now
                     ORDER BY urgency DESC, priority_rank DESC, available_at, rowid LIMIT 1)
         RETURNING *`,
      ),
      nextAvailable: db.prepare<[], { at: number | null }>("SELECT MIN(available_at) AS at FROM triage_jobs WHERE state = 'queued'"),
      done: db.prepare(
        `UPDATE triage_jobs SET state = 'done', finding_id = @findingId, finished_at = @now, error_code = NULL, error_detail = NULL,
           decode_ms = @decodeMs, preprocess_ms = @preprocessMs, inference_ms = @inferenceMs, key_image_ms = @keyImageMs
         WHERE id = @id AND state = 'running'`,
      ),
      fail: db.prepare(
        `UPDATE triage_jobs SET state = @state, error_code = @code, error_detail = @detail, finished_at = @finishedAt, available_at = @availableAt
         WHERE id = @id AND state = 'running'`,
      ),
      recover: db.prepare(
        `UPDATE triage_jobs SET
           state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
           error_code = 'TRIAGE_WORKER_CRASHED', error_detail = 'the node stopped while the job ran',
           finished_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END,
           available_at = @now
         WHERE state = 'running'`,
      ),
      requeueRunning: db.prepare("UPDATE triage_jobs SET state = 'queued', attempts = MAX(0, attempts - 1) WHERE state = 'running'"),
      requeueOne: db.prepare<[string]>("UPDATE triage_jobs SET state = 'queued', attempts = MAX(0, attempts - 1) WHERE id = ? AND state = 'running'"),
      cancel: db.prepare<[number, string]>("UPDATE triage_jobs SET state = 'cancelled', finished_at = ? WHERE id = ? AND state IN ('queued', 'running')"),
      retry: db.prepare<[number, string]>(
        `UPDATE triage_jobs SET state = 'queued', attempts = 0, error_code = NULL, error_detail = NULL, available_at = ?, started_at = NULL, finished_at = NULL
         WHERE id = ? AND state IN ('failed', 'dead', 'cancelled')`,
      ),
    };
  }

  /** Idempotent per series version, model and kind (early or final): a second call returns the first job. */
  enqueue(input: NewJob, now = this.clock.now()): { job: Job; created: boolean } {
    const early = input.early ? 1 : 0;
    const info = this.stmts.insert.run({ id: crypto.randomUUID(), ...input, early, rank: PRIORITY_RANK[input.priority], now });
    const job = toJob(this.stmts.byKey.get(input.seriesId, input.seriesVersion, input.modelId, early)!);
    return { job, created: info.changes === 1 };
  }

  get(id: string): Job | undefined {
    const row = this.stmts.get.get(id);
    return row ? toJob(row) : undefined;
  }

  /** The next queued job (the most urgent model first, then STAT, then the longest waiting), now running. */
  claim(now = this.clock.now()): Job | undefined {
    const row = this.stmts.claim.get({ now });
    return row ? toJob(row) : undefined;
  }

  /** When the earliest queued job (delayed for a retry) may run. */
  nextAvailableAt(): number | null {
    return this.stmts.nextAvailable.get()?.at ?? null;
  }

  /** Within the finding's transaction. False when the job is no longer running (cancelled). */
  markDone(id: string, findingId: string, timings: JobStageTimings, now = this.clock.now()): boolean {
    return this.stmts.done.run({ id, findingId, now, ...timings }).changes === 1;
  }

  /**
   * A failure: `retryAt` set means a passing cause, queued again unless attempts are used up
   * (then dead); null means the input is bad, failed for good.
   */
  markFailed(job: Job, error: { code: ErrorCode; detail: string }, retryAt: number | null, now = this.clock.now()): JobState {
    const state: JobState = retryAt === null ? 'failed' : job.attempts >= job.maxAttempts ? 'dead' : 'queued';
    this.stmts.fail.run({
      id: job.id,
      state,
      code: error.code,
      detail: error.detail,
      finishedAt: state === 'queued' ? null : now,
      availableAt: state === 'queued' ? retryAt : job.availableAt,
    });
    return state;
  }

  /** At start-up: jobs left running by a crash run again (their attempt counted), or are dead. */
  recoverAfterCrash(now = this.clock.now()): number {
    return this.stmts.recover.run({ now }).changes;
  }

  /** One running job back to the queue, without losing an attempt (its outcome could not be recorded). */
  requeueOne(id: string): boolean {
    return this.stmts.requeueOne.run(id).changes === 1;
  }

  /** At a clean stop: jobs interrupted by the stop run again, without losing an attempt. */
  requeueInterrupted(): number {
    return this.stmts.requeueRunning.run().changes;
  }

  cancel(id: string, now = this.clock.now()): boolean {
    return this.stmts.cancel.run(now, id).changes === 1;
  }

  retry(id: string, now = this.clock.now()): boolean {
    return this.stmts.retry.run(now, id).changes === 1;
  }

  list(filter: { state?: JobState; seriesId?: string; modelId?: string; limit: number; offset: number }): Job[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.state) {
      where.push('state = ?');
      params.push(filter.state);
    }
    if (filter.seriesId) {
      where.push('series_id = ?');
      params.push(filter.seriesId);
    }
    if (filter.modelId) {
      where.push('model_id = ?');
      params.push(filter.modelId);
    }
    const sql = `SELECT * FROM triage_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`;
    return this.db
      .prepare<(string | number)[], JobRow>(sql)
      .all(...params, filter.limit, filter.offset)
      .map(toJob);
  }

  counts(): Record<JobState, number> {
    const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of this.db.prepare<[], { state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM triage_jobs GROUP BY state').all()) out[row.state] = row.n;
    return out;
  }
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    seriesId: row.series_id,
    seriesVersion: row.series_version,
    modelId: row.model_id,
    early: row.early === 1,
    priority: row.priority,
    urgency: row.urgency,
    ruleId: row.rule_id,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    error: row.error_code ? { code: row.error_code, detail: row.error_detail ?? '' } : null,
    createdAt: row.created_at,
    availableAt: row.available_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    findingId: row.finding_id,
    timings:
      row.decode_ms === null || row.preprocess_ms === null || row.inference_ms === null || row.key_image_ms === null
        ? null
        : { decodeMs: row.decode_ms, preprocessMs: row.preprocess_ms, inferenceMs: row.inference_ms, keyImageMs: row.key_image_ms },
  };
}
