import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { JobStore } from '../../src/queue/job-store.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { QueueWorker } from '../../src/queue/worker.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { settle } from '../helpers/eventually.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { createLogger } from '../../src/log/logger.js';

/**
 * A job done whose outcome the index cannot record (a full disk refuses the write): the job is
 * still pending in the index. The queue must neither crash the process (an unhandled rejection)
 * nor run the job again at once, in a loop (a forward sent to the PACS over and over).
 */
describe('queue/worker: when the index cannot record an outcome', () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  let mochaListeners: NodeJS.UnhandledRejectionListener[] = [];
  beforeEach(() => {
    rejections.length = 0;
    mochaListeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => {
    process.removeListener('unhandledRejection', onRejection);
    for (const l of mochaListeners) process.on('unhandledRejection', l);
  });

  it('backs off, without an unhandled rejection, and records the outcome once the index takes writes again', async () => {
    const db = openDatabase(':memory:');
    migrate(db, [queueMigrations]);
    const clock = new ManualClock();
    const logs = new CaptureTransport();
    const queue = new QueueWorker(
      new JobStore(db, 'p'),
      clock,
      createLogger({ level: 'debug', format: 'json' } as never, '.', { console: false, transports: [logs] }),
    );
    let runs = 0;
    queue.work(async () => {
      runs++;
      // The outcome of the first run is what the index refuses; a loop stops here rather than hang the test.
      if (runs === 1) db.pragma('query_only = ON');
      if (runs > 20) await new Promise(() => undefined);
    });
    queue.enqueue('forward-1', { seriesId: 's' });
    await settle(20);
    expect(runs, 'not run again at once').to.equal(1);
    expect(rejections).to.deep.equal([]);
    expect(logs.text()).to.match(/could not record/);

    db.pragma('query_only = OFF');
    clock.advance(60_000);
    await queue.idle();
    expect(runs).to.equal(2);
    expect(queue.jobs()[0]).to.include({ state: 'done' });
    await queue.stop();
  });
});
