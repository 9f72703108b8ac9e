import pg from 'pg';
import { migratePostgres } from '../../src/db/postgres-migrate.js';
import { PostgresDb } from '../../src/db/postgres/postgres-db.js';
import { SyncConnection } from '../../src/db/postgres/sync-connection.js';
import { postgresQueueMigrations } from '../../src/queue/postgres-migrations.js';
import { SqliteJobQueue } from '../../src/queue/sqlite-queue.js';
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
    // Each open() is another process's connection: it reads only what was committed.
    const open = (): SqliteJobQueue => {
      const db = new PostgresDb(new SyncConnection({ url: postgresUrl(schema), statementTimeoutMs: 5_000, applicationName: 'vigil-test' }));
      dbs.push(db);
      return new SqliteJobQueue(db, { clock, random: () => 1 });
    };
    return {
      queue: open(),
      reopen: open,
      close() {
        for (const db of dbs) db.close();
      },
    };
  });
});
