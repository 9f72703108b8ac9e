import { expect } from 'chai';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { triageMigrations } from '../../src/triage/migrations.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { JobStore } from '../../src/triage/jobs.js';

function store(): JobStore {
  const db = openDatabase(':memory:');
  migrate(db, [queueMigrations, triageMigrations]);
  return new JobStore(db);
}

const job = (seriesId: string, priority: 'stat' | 'urgent' | 'routine' = 'routine', urgency = 50) => ({
  seriesId,
  seriesVersion: 1,
  modelId: 'm',
  priority,
  urgency,
  ruleId: null,
  maxAttempts: 2,
});

describe('triage/jobs: the durable queue', () => {
  it('runs STAT first, then the longest waiting', () => {
    const jobs = store();
    jobs.enqueue(job('a'), 1);
    jobs.enqueue(job('b', 'urgent'), 2);
    jobs.enqueue(job('c', 'stat'), 3);
    jobs.enqueue(job('d'), 4);
    expect([1, 2, 3, 4].map(() => jobs.claim(10)!.seriesId)).to.deep.equal(['c', 'b', 'a', 'd']);
    expect(jobs.claim(10)).to.equal(undefined);
  });

  it("runs the most urgent model's jobs first, then STAT, then the longest waiting", () => {
    const jobs = store();
    // Sixty radiographs (pneumothorax 60), a few STAT, then a head CT (stroke 90) and a CTPA (PE 80).
    for (let i = 0; i < 60; i++) jobs.enqueue(job(`cxr-${i}`, i % 10 === 0 ? 'stat' : 'routine', 60), i);
    jobs.enqueue(job('ctpa', 'routine', 80), 100);
    jobs.enqueue(job('head-ct', 'routine', 90), 101);
    jobs.enqueue(job('head-ct-2', 'routine', 90), 102);
    const order = Array.from({ length: 63 }, () => jobs.claim(200)!.seriesId);
    expect(order.slice(0, 9)).to.deep.equal(['head-ct', 'head-ct-2', 'ctpa', 'cxr-0', 'cxr-10', 'cxr-20', 'cxr-30', 'cxr-40', 'cxr-50']);
    expect(order.slice(9, 12)).to.deep.equal(['cxr-1', 'cxr-2', 'cxr-3']);
  });

  it('is idempotent per series version and model', () => {
    const jobs = store();
    const first = jobs.enqueue(job('a'));
    expect(jobs.enqueue(job('a')).job.id).to.equal(first.job.id);
    expect(jobs.enqueue({ ...job('a'), seriesVersion: 2 }).created).to.equal(true);
  });

  it('keeps the stage times of a done job, and none before', () => {
    const jobs = store();
    const { job: a } = jobs.enqueue(job('a'), 0);
    expect(a.timings).to.equal(null);
    jobs.claim(0);
    const timings = { decodeMs: 12.5, preprocessMs: 30, inferenceMs: 4.2, keyImageMs: 8 };
    expect(jobs.markDone(a.id, 'f', timings, 5)).to.equal(true);
    expect(jobs.get(a.id)).to.deep.include({ state: 'done', findingId: 'f', timings });
  });

  it('retries a passing failure after its delay, then gives up (dead); bad input fails at once', () => {
    const jobs = store();
    const { job: a } = jobs.enqueue(job('a'), 0);
    let running = jobs.claim(0)!;
    expect(jobs.markFailed(running, { code: 'TRIAGE_TIMEOUT', detail: 't' }, 100, 1)).to.equal('queued');
    expect(jobs.claim(50), 'not before its delay').to.equal(undefined);
    running = jobs.claim(100)!;
    expect(running.attempts).to.equal(2);
    expect(jobs.markFailed(running, { code: 'TRIAGE_TIMEOUT', detail: 't' }, 200, 101)).to.equal('dead');
    expect(jobs.get(a.id)!.error!.code).to.equal('TRIAGE_TIMEOUT');
    jobs.enqueue(job('b'), 0);
    expect(jobs.markFailed(jobs.claim(0)!, { code: 'TRIAGE_SERIES_GAP', detail: 'g' }, null)).to.equal('failed');
  });

  it('puts jobs left running by a crash back in the queue, or dead when out of attempts', () => {
    const jobs = store();
    const { job: a } = jobs.enqueue(job('a'), 0);
    jobs.claim(0);
    expect(jobs.recoverAfterCrash(5)).to.equal(1);
    expect(jobs.get(a.id)).to.deep.include({ state: 'queued', attempts: 1 });
    jobs.claim(5);
    jobs.recoverAfterCrash(6);
    expect(jobs.get(a.id)).to.deep.include({ state: 'dead', attempts: 2 });
  });

  it('cancels queued or running jobs and retries finished ones; a cancelled job cannot be marked done', () => {
    const jobs = store();
    const { job: a } = jobs.enqueue(job('a'), 0);
    jobs.claim(0);
    expect(jobs.cancel(a.id)).to.equal(true);
    expect(jobs.markDone(a.id, 'f', { decodeMs: 1, preprocessMs: 2, inferenceMs: 3, keyImageMs: 4 })).to.equal(false);
    expect(jobs.cancel(a.id)).to.equal(false);
    expect(jobs.retry(a.id, 9)).to.equal(true);
    expect(jobs.get(a.id)).to.deep.include({ state: 'queued', attempts: 0, error: null });
  });
});
