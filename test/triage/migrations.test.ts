import { expect } from 'chai';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { JobStore } from '../../src/triage/jobs.js';
import { triageMigrations } from '../../src/triage/migrations.js';
import { queueMigrations } from '../../src/queue/migrations.js';

describe('triage/migrations: an index from before early runs keeps its jobs', () => {
  it('keeps every job as a final one, with its stage times and urgency, and takes an early job beside it', () => {
    const db = openDatabase(':memory:');
    migrate(db, [queueMigrations, { ...triageMigrations, migrations: triageMigrations.migrations.slice(0, 3) }]);
    db.prepare(
      `INSERT INTO triage_jobs (id, series_id, series_version, model_id, priority, priority_rank, rule_id, state, attempts, max_attempts, created_at, available_at,
         started_at, finished_at, finding_id, decode_ms, preprocess_ms, inference_ms, key_image_ms, urgency)
       VALUES ('j1', 's1', 1, 'stroke-ich', 'stat', 3, 'r1', 'done', 1, 3, 10, 10, 11, 12, 'f1', 1.5, 2.5, 3.5, 4.5, 90)`,
    ).run();
    // Migration 4 rebuilt the table (a wider UNIQUE) with every index it had.
    migrate(db, [queueMigrations, { ...triageMigrations, migrations: triageMigrations.migrations.slice(0, 4) }]);
    const indexes = db
      .prepare<[], { name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'triage_jobs' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all();
    expect(indexes.map((i) => i.name)).to.deep.equal(['triage_jobs_created', 'triage_jobs_next', 'triage_jobs_urgent']);
    // Migration 5 copies the jobs into the queue, 6 drops the old table.
    migrate(db, [queueMigrations, triageMigrations]);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'triage_jobs%'`).all(), 'triage_jobs and its indexes are dropped').to.deep.equal([]);
    const jobs = new JobStore(db);
    expect(jobs.get('j1')).to.deep.include({
      early: false,
      state: 'done',
      urgency: 90,
      findingId: 'f1',
      timings: { decodeMs: 1.5, preprocessMs: 2.5, inferenceMs: 3.5, keyImageMs: 4.5 },
    });
    const input = { seriesId: 's1', seriesVersion: 1, modelId: 'stroke-ich', priority: 'stat' as const, urgency: 90, ruleId: null, maxAttempts: 3 };
    expect(jobs.enqueue(input).job.id, 'the final job is the one kept').to.equal('j1');
    const early = jobs.enqueue({ ...input, early: true });
    expect(early).to.deep.include({ created: true });
    expect(early.job.early).to.equal(true);
    expect(jobs.enqueue({ ...input, early: true }).created, 'one early job per series version and model').to.equal(false);
    db.close();
  });
});
