import { expect } from 'chai';
import pg from 'pg';
import { ManualClock } from '../../src/core/clock.js';
import { migratePostgres } from '../../src/db/postgres-migrate.js';
import { postgresQueueMigrations } from '../../src/queue/postgres-migrations.js';
import { PostgresJobQueue } from '../../src/queue/postgres-queue.js';
import { usePostgresCluster } from '../helpers/postgres.js';
import { queueContract } from './contract.js';

/**
 * The PostgreSQL backend of the job queue against a throw-away PostgreSQL 15 cluster (one for the
 * file, a fresh schema per case): the contract every backend passes, then what only a shared
 * server has (racing claimers on separate connections, a claimer whose connection dies, wake-ups
 * by NOTIFY, the caller's transaction).
 */
describe('PostgreSQL job queue (a throw-away PostgreSQL 15 cluster)', () => {
  const cluster = usePostgresCluster();
  let database: pg.ClientConfig;
  before(async function () {
    this.timeout(60_000);
    database = await cluster().createDatabase();
  });

  /** A fresh, migrated schema; each `open()` is another process's pool on it. */
  async function store(clock: ManualClock) {
    const config = await cluster().createSchema(database);
    const pools: pg.Pool[] = [];
    const queues: PostgresJobQueue[] = [];
    const open = (opts: { max?: number } = {}): PostgresJobQueue => {
      const pool = new pg.Pool({ ...config, max: opts.max ?? 4 });
      // An idle connection the server drops must not crash the test process.
      pool.on('error', () => undefined);
      pools.push(pool);
      const queue = new PostgresJobQueue(pool, { clock, random: () => 1 });
      queues.push(queue);
      return queue;
    };
    const admin = new pg.Client(config);
    await admin.connect();
    await migratePostgres(admin, [postgresQueueMigrations]);
    await admin.end();
    return {
      config,
      open,
      async close() {
        for (const q of queues) q.close();
        await Promise.all(pools.map((p) => p.end()));
      },
    };
  }

  queueContract('PostgreSQL 15 (pg, a fresh schema on a throw-away cluster)', async (clock) => {
    const s = await store(clock);
    // reopen: another pool, as a restarted process; the first is abandoned, not closed, as a crash leaves it.
    return { queue: s.open(), reopen: () => s.open(), close: () => s.close() };
  });
});
