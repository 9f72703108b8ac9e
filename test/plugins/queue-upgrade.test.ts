import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/log/logger.js';
import { pluginMigrations } from '../../src/plugins/migrations.js';
import { PluginJobQueue } from '../../src/plugins/queue.js';
import { FORWARD_QUEUE } from '../../src/rules/forwarder.js';
import { JobStore } from '../../src/queue/job-store.js';
import { QueueWorker } from '../../src/queue/worker.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

describe('plugins: an index from before the one durable queue keeps its plugin jobs and rule forwards', () => {
  it('runs the pending jobs of plugin_jobs after the upgrade, keeps done and dead ones, and their keys', async () => {
    const db = openDatabase(':memory:');
    // The schema of the release before the queue: plugin_jobs only.
    migrate(db, [{ ...pluginMigrations, migrations: pluginMigrations.migrations.slice(0, 1) }]);
    const insert = db.prepare(
      `INSERT INTO plugin_jobs (plugin_id, key, payload, state, attempts, next_at, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 10, 20)`,
    );
    insert.run('p', 'done-1', '{"n":1}', 'done', 1, 10, null);
    insert.run('p', 'pending-1', '{"n":2}', 'pending', 2, 15, 'peer down');
    insert.run('p', 'dead-1', '{"n":3}', 'dead', 50, 10, 'gave up');
    insert.run('core:rule-forwards', 's1/v1/PACS', '{"seriesId":"s1"}', 'pending', 0, 10, null);

    migrate(db, [queueMigrations, pluginMigrations]);
    expect(
      db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'plugin_jobs%'`).all(),
      'plugin_jobs and its indexes are dropped once copied',
    ).to.deep.equal([]);
    const clock = new ManualClock();
    const plugin = new PluginJobQueue('p', { db, clock, log: silentLogger(), onFailure: () => undefined });
    expect(plugin.jobs().map((j) => [j.key, j.state, j.attempts, j.lastError])).to.deep.equal([
      ['dead-1', 'dead', 50, 'gave up'],
      ['pending-1', 'pending', 2, 'peer down'],
      ['done-1', 'done', 1, null],
    ]);
    expect(plugin.enqueue('done-1', { n: 9 }), 'a carried-over key still holds').to.equal(false);
    const seen: unknown[] = [];
    plugin.work(async (job) => void seen.push(job.payload));
    await plugin.idle();
    expect(seen).to.deep.equal([{ n: 2 }]);
    expect(plugin.jobs({ state: 'pending' })).to.deep.equal([]);

    const forwards = new QueueWorker(new JobStore(db, FORWARD_QUEUE), clock, silentLogger());
    const sent: unknown[] = [];
    forwards.work(async (job) => void sent.push(job.payload));
    await forwards.idle();
    expect(sent).to.deep.equal([{ seriesId: 's1' }]);
    await plugin.stop();
    await forwards.stop();
    db.close();
  });
});
