import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/log/logger.js';
import { JobStore } from '../../src/queue/job-store.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { IndexJobQueue } from '../../src/queue/index-queue.js';
import { QueueWorker, retryDelay, DEFAULT_RETRY } from '../../src/queue/worker.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

describe('queue/worker: a worker of one queue (plugin queues, rule forwards)', () => {
  const setup = () => {
    const db = openDatabase(':memory:');
    migrate(db, [queueMigrations]);
    const clock = new ManualClock();
    const queue = () => new QueueWorker(new JobStore(db, 'p'), clock, silentLogger());
    return { db, clock, queue };
  };

  it('doubles the delay after each failure, up to the cap', () => {
    const policy = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, policy))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it('retries a failing job on the back-off schedule, then gives up and keeps it as dead', async () => {
    const { clock, queue } = setup();
    const q = queue();
    const runs: number[] = [];
    q.work(
      async () => {
        runs.push(clock.now());
        throw new Error('peer down');
      },
      { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 3 },
    );
    const start = clock.now();
    expect(q.enqueue('a', { n: 1 })).to.equal(true);
    await q.idle();
    clock.advance(99);
    await q.idle();
    expect(runs).to.have.length(1);
    clock.advance(1);
    await q.idle();
    clock.advance(200);
    await q.idle();
    expect(runs.map((t) => t - start)).to.deep.equal([0, 100, 300]);
    const [job] = q.jobs();
    expect(job).to.include({ state: 'dead', attempts: 3, lastError: 'peer down' });
    clock.advance(100_000);
    await q.idle();
    expect(runs).to.have.length(3);
  });

  it('makes enqueueing idempotent by key, and resumes pending jobs in a new process', async () => {
    const { queue } = setup();
    const first = queue();
    expect(first.enqueue('k', { v: 1 })).to.equal(true);
    expect(first.enqueue('k', { v: 2 })).to.equal(false);
    await first.stop();

    const second = queue();
    const seen: unknown[] = [];
    second.work(async (job) => void seen.push(job.payload));
    await second.idle();
    expect(seen).to.deep.equal([{ v: 1 }]);
    expect(second.jobs()[0]).to.include({ state: 'done', attempts: 1, lastError: null });
  });

  it("codes a failed attempt in the queue with its store's code: the worker's own by default, the owner's when given", async () => {
    const { db, clock } = setup();
    const run = async (store: JobStore) => {
      const worker = new QueueWorker(store, clock, silentLogger());
      worker.work(async () => {
        throw new Error('peer down');
      });
      worker.enqueue('k', {});
      await worker.idle();
      await worker.stop();
      return new IndexJobQueue(db).getByKey(store.queueName, 'k')?.error;
    };
    expect(await run(new JobStore(db, 'forwards'))).to.deep.equal({ code: 'QUEUE_JOB_FAILED', detail: 'peer down' });
    expect(await run(new JobStore(db, 'plugin:p', { failureCode: 'PLUGIN_HOOK_FAILED' }))).to.deep.equal({ code: 'PLUGIN_HOOK_FAILED', detail: 'peer down' });
  });
});
