import type { Db } from '../db/database.js';

export const JOB_STATES = ['pending', 'done', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One job of a plugin's durable queue. */
export interface QueuedJob<P = unknown> {
  id: number;
  key: string;
  payload: P;
  state: JobState;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

interface JobRow {
  id: number;
  key: string;
  payload: string;
  state: JobState;
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** The plugin_jobs table, scoped to one plugin by every statement. */
export class JobStore {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly pluginId: string,
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO plugin_jobs (plugin_id, key, payload, state, next_at, created_at, updated_at)
         VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
      ),
      nextDue: db.prepare<[string, number], JobRow>(
        `SELECT * FROM plugin_jobs WHERE plugin_id = ? AND state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT 1`,
      ),
      nextAt: db.prepare<[string], { at: number | null }>(
        `SELECT MIN(next_at) AS at FROM plugin_jobs WHERE plugin_id = ? AND state = 'pending'`,
      ),
      done: db.prepare(`UPDATE plugin_jobs SET state = 'done', attempts = attempts + 1, last_error = NULL, updated_at = ? WHERE id = ?`),
      retry: db.prepare(`UPDATE plugin_jobs SET attempts = attempts + 1, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?`),
      dead: db.prepare(`UPDATE plugin_jobs SET state = 'dead', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?`),
      list: db.prepare<[string, number], JobRow>(`SELECT * FROM plugin_jobs WHERE plugin_id = ? ORDER BY id DESC LIMIT ?`),
      listState: db.prepare<[string, string, number], JobRow>(
        `SELECT * FROM plugin_jobs WHERE plugin_id = ? AND state = ? ORDER BY id DESC LIMIT ?`,
      ),
      prune: db.prepare(`DELETE FROM plugin_jobs WHERE plugin_id = ? AND state = 'done' AND updated_at < ?`),
    };
  }

  /** false when a job with this key exists already (whatever its state). */
  add(key: string, payload: unknown, now: number): boolean {
    return this.stmts.insert.run(this.pluginId, key, JSON.stringify(payload), now, now, now).changes === 1;
  }

  nextDue(now: number): QueuedJob | undefined {
    const row = this.stmts.nextDue.get(this.pluginId, now);
    return row ? toJob(row) : undefined;
  }

  nextAt(): number | undefined {
    return this.stmts.nextAt.get(this.pluginId)?.at ?? undefined;
  }

  markDone(id: number, now: number): void {
    this.stmts.done.run(now, id);
  }

  retryAt(id: number, at: number, error: string, now: number): void {
    this.stmts.retry.run(at, error, now, id);
  }

  markDead(id: number, error: string, now: number): void {
    this.stmts.dead.run(error, now, id);
  }

  list(state: JobState | undefined, limit: number): QueuedJob[] {
    const rows = state ? this.stmts.listState.all(this.pluginId, state, limit) : this.stmts.list.all(this.pluginId, limit);
    return rows.map(toJob);
  }

  pruneDone(before: number): void {
    this.stmts.prune.run(this.pluginId, before);
  }
}

function toJob(row: JobRow): QueuedJob {
  return {
    id: row.id,
    key: row.key,
    payload: JSON.parse(row.payload) as unknown,
    state: row.state,
    attempts: row.attempts,
    nextAt: row.next_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
