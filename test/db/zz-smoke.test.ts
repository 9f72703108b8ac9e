import { expect } from 'chai';
import pg from 'pg';
import { postgresUrl, usePostgresCluster } from '../helpers/postgres.js';
import { startTestNode } from '../helpers/test-node.js';

describe('smoke: node on PostgreSQL', function () {
  this.timeout(120_000);
  const cluster = usePostgresCluster();
  it('starts and stops', async () => {
    const database: pg.ClientConfig = await cluster().createDatabase();
    const node = await startTestNode({ storage: { database: { url: postgresUrl(database) } } });
    console.log('started', node.db.dialect);
    const t = await node.tokenFor('admin');
    expect(t).to.be.a('string');
    await node.dispose();
  });
});
