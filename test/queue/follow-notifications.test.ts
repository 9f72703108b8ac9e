import { expect } from 'chai';
import pg from 'pg';
import { systemClock } from '../../src/core/clock.js';
import { migratePostgres } from '../../src/db/postgres-migrate.js';
import { PostgresDb } from '../../src/db/postgres/postgres-db.js';
import { SyncConnection } from '../../src/db/postgres/sync-connection.js';
import { createLogger } from '../../src/log/logger.js';
import { IndexJobQueue } from '../../src/queue/index-queue.js';
import { followQueueNotifications } from '../../src/queue/follow-notifications.js';
import { postgresQueueMigrations } from '../../src/queue/postgres-migrations.js';
import { eventually } from '../helpers/eventually.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { postgresUrl, usePostgresCluster } from '../helpers/postgres.js';

/**
 * A node's workers woken by another node's enqueue, at its commit (the queue's NOTIFY trigger),
 * on a throw-away PostgreSQL 15 cluster: what lets a receiver's routing start a triage node's
 * claim at once instead of at its next look.
 */
describe('queue/follow-notifications (a throw-away PostgreSQL 15 cluster)', () => {
  const cluster = usePostgresCluster();

  it("wakes the named queue at the commit of another connection's enqueue, never for one rolled back, and not other queues", async function () {
    this.timeout(60_000);
    const database = await cluster().createDatabase();
    const admin = new pg.Client(database);
    await admin.connect();
    await migratePostgres(admin, [postgresQueueMigrations]);
    await admin.end();
    const url = postgresUrl(database);
    const woken: string[] = [];
    const log = createLogger({ level: 'error', format: 'json' } as never, '.', { console: false, transports: [new CaptureTransport()] });
    const following = followQueueNotifications({ url, queues: () => ['triage', 'alerts'], wake: (q) => woken.push(q), clock: systemClock, log });
    const other = new PostgresDb(new SyncConnection({ url, statementTimeoutMs: 5_000, applicationName: 'vigil-test' }));
    try {
      // Each queue is woken once when first followed (work may be waiting already), then listens.
      await eventually(() => woken.includes('triage') && woken.includes('alerts'), 'the first look of each queue');
      await new Promise((resolve) => setTimeout(resolve, 300));
      woken.length = 0;
      const queue = new IndexJobQueue(other);
      // An enqueue rolled back: had the wake-up been sent at the insert rather than at the commit,
      // it would arrive all the same, for a job nobody can see. (A check inside the transaction
      // could not tell: the connection holds this thread until the commit.)
      expect(() =>
        other.transaction(() => {
          queue.enqueue({ queue: 'triage', key: 'series-0', payload: {}, maxAttempts: 3 });
          throw new Error('rolled back');
        })(),
      ).to.throw('rolled back');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(woken, 'a rolled-back enqueue wakes nobody').to.deep.equal([]);
      other.transaction(() => queue.enqueue({ queue: 'triage', key: 'series-1', payload: {}, maxAttempts: 3 }))();
      await eventually(() => woken.includes('triage'), 'triage woken by the commit', 10_000);
      expect(woken).to.not.include('alerts');
    } finally {
      other.close();
      following.stop();
    }
  });
});
