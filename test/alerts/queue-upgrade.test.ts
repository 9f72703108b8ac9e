import { expect } from 'chai';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { alertMigrations } from '../../src/alerts/migrations.js';
import { ManualClock } from '../../src/core/clock.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { alertsHarness } from '../helpers/alerts-harness.js';
import { settle } from '../helpers/eventually.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { ScriptedChannel } from '../helpers/scripted-channel.js';
import { makeTempDir } from '../helpers/tmp.js';

const config = {
  destinations: [{ id: 'hook', type: 'webhook' as const, url: 'http://127.0.0.1:1/', secret: 's' }],
  delivery: { backoff: { initialMs: 1000, maxMs: 8000, factor: 2 } },
};

describe('alerts: an index from before the one durable queue keeps its outbox', () => {
  it('sends the pending deliveries of alert_deliveries after the upgrade, in order, under their keys; delivered ones stay delivered', async () => {
    const dir = makeTempDir();
    const clock = new ManualClock();
    // The schema of the release before the queue: alerts migrations 1-3, alert_deliveries a table.
    const old = openDatabase(indexPath(dir));
    migrate(old, [storeMigrations, { ...alertMigrations, migrations: alertMigrations.migrations.slice(0, 3) }]);
    const alerts = new AlertStore(old);
    for (const [i, id] of ['a1', 'a2', 'a3'].entries()) {
      const finding = makeFinding(seedStudy(new DicomIndex(old), `upgrade-${i}`));
      alerts.insert({ id, finding, escalateAt: null, createdAt: clock.now(), resultId: id, replaces: null });
    }
    const delivery = old.prepare(
      `INSERT INTO alert_deliveries (alert_id, destination_id, channel, kind, idempotency_key, state, attempts, next_attempt_at, retry_window_from, created_at, delivered_at)
       VALUES (?, 'hook', 'webhook', 'alert', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const t = clock.now();
    delivery.run('a1', 'key-1', 'delivered', 1, t, t, t, t);
    delivery.run('a2', 'key-2', 'pending', 1, t, t, t, null); // tried once, waiting for its retry
    delivery.run('a3', 'key-3', 'pending', 0, t, t, t, null);
    old.close();

    const channel = new ScriptedChannel();
    const h = alertsHarness(config, { dir, clock, createChannel: () => channel });
    try {
      await h.part.start();
      await settle();
      expect(channel.calls.map((c) => [c.seq, c.key, c.attempt])).to.deep.equal([
        [2, 'key-2', 2],
        [3, 'key-3', 1],
      ]);
      expect(h.part.deliveries.list({ limit: 10 }).map((d) => [d.seq, d.state, d.attempts])).to.deep.equal([
        [1, 'delivered', 1],
        [2, 'delivered', 2],
        [3, 'delivered', 1],
      ]);
      // New deliveries go on after them, under new sequence numbers.
      const r = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, 'after-upgrade')));
      if (r.outcome !== 'created') throw new Error('not created');
      expect(r.deliveries).to.deep.equal([4]);
      await settle();
      expect(channel.calls.map((c) => c.seq)).to.deep.equal([2, 3, 4]);
    } finally {
      await h.dispose();
    }
  });
});
