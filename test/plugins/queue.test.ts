import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/log/logger.js';
import { JobStore } from '../../src/plugins/job-store.js';
import { pluginMigrations } from '../../src/plugins/migrations.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { DurableQueue, retryDelay, DEFAULT_RETRY } from '../../src/plugins/queue.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

describe('plugins/queue: a plugin durable queue', () => {
  const setup = () => {
    const db = openDatabase(':memory:');
    migrate(db, [queueMigrations, pluginMigrations]);
    const clock = new ManualClock();
    const queue = () => new DurableQueue(new JobStore(db, 'p'), clock, silentLogger());
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
});
