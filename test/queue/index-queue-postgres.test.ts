import { expect } from 'chai';
import pg from 'pg';
import { ManualClock } from '../../src/core/clock.js';
import { migratePostgres } from '../../src/db/postgres-migrate.js';
import { PostgresDb } from '../../src/db/postgres/postgres-db.js';
import { SyncConnection } from '../../src/db/postgres/sync-connection.js';
import { postgresQueueMigrations } from '../../src/queue/postgres-migrations.js';
import { IndexJobQueue } from '../../src/queue/index-queue.js';
import { postgresUrl, usePostgresCluster } from '../helpers/postgres.js';
import { queueContract } from './contract.js';

/**
 * The queue the node uses inside its index transactions, on the index's PostgreSQL connection
 * (storage.database.url): the same contract as on SQLite, on a throw-away PostgreSQL 15 cluster.
 */
describe('the index job queue on PostgreSQL (a throw-away PostgreSQL 15 cluster)', () => {
  const cluster = usePostgresCluster();
  let database: pg.ClientConfig;
  before(async function () {
    this.timeout(60_000);
    database = await cluster().createDatabase();
  });

  queueContract('the index queue on PostgreSQL (its synchronous connection)', async (clock) => {
    const schema = await cluster().createSchema(database);
    const admin = new pg.Client(schema);
    await admin.connect();
    await migratePostgres(admin, [postgresQueueMigrations]);
    await admin.end();
    const dbs: PostgresDb[] = [];
    // Each open() is another process's connection: it reads only what was committed. The
    // contract's restart is one node's (its leases all its own); shared indexes are tested below.
    const open = (): IndexJobQueue => {
      const db = new PostgresDb(new SyncConnection({ url: postgresUrl(schema), statementTimeoutMs: 5_000, applicationName: 'vigil-test' }));
      dbs.push(db);
      return new IndexJobQueue(db, { clock, random: () => 1, shared: false });
    };
    return {
      queue: open(),
      reopen: open,
      close() {
        for (const db of dbs) db.close();
      },
    };
  });

  it("leaves another node's live lease alone at a start-up recovery, and takes the job over once the lease runs out", async () => {
    const schema = await cluster().createSchema(database);
    const admin = new pg.Client(schema);
    await admin.connect();
    await migratePostgres(admin, [postgresQueueMigrations]);
    await admin.end();
    const clock = new ManualClock(1_000_000);
    const open = (): PostgresDb => new PostgresDb(new SyncConnection({ url: postgresUrl(schema), statementTimeoutMs: 5_000, applicationName: 'vigil-test' }));
    const [a, b] = [open(), open()];
    try {
      const nodeA = new IndexJobQueue(a, { clock });
      const nodeB = new IndexJobQueue(b, { clock });
      nodeA.enqueue({ queue: 'work', key: 'k', payload: {}, maxAttempts: 3 });
      const held = nodeA.claim({ queue: 'work', worker: 'a', leaseMs: 60_000 })!;
      // Node B starts: its recovery of "jobs left running by a crash" must not take A's.
      expect(nodeB.expireLeases('work', { code: 'X', detail: 'start-up' }, { every: true })).to.equal(0);
      expect(nodeB.claim({ queue: 'work', worker: 'b', leaseMs: 60_000 })).to.equal(undefined);
      clock.advance(60_001);
      const taken = nodeB.claim({ queue: 'work', worker: 'b', leaseMs: 60_000 })!;
      expect(taken.id).to.equal(held.id);
      expect(nodeA.complete(held.id, 'a', {}), "A's late result is refused").to.equal(false);
      expect(nodeB.complete(taken.id, 'b', {})).to.equal(true);
    } finally {
      a.close();
      b.close();
    }
  });
});
