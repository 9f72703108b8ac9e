import { expect } from 'chai';
import { operationalMigrations } from '../../src/alerts/operational/migrations.js';
import { OperationalOutbox } from '../../src/alerts/operational/operational-outbox.js';
import { OperationalSender } from '../../src/alerts/operational/operational-sender.js';
import { configSchema } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log/logger.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { ChangeFeed } from '../../src/store/changes.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { eventually } from '../helpers/eventually.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('alerts/operational: an index from before the one durable queue keeps its pending notices', () => {
  it('sends the pending deliveries of operational_deliveries after the upgrade, in order, under their keys; a delivered one is not sent again', async () => {
    const dir = makeTempDir();
    const receiver = new WebhookReceiver();
    let sender: OperationalSender | undefined;
    try {
      // The schema of the release before: operational migration 1, operational_deliveries a table.
      const old = openDatabase(indexPath(dir));
      migrate(old, [storeMigrations, { ...operationalMigrations, migrations: operationalMigrations.migrations.slice(0, 1) }]);
      const t = Date.now() - 60_000;
      const notice = old.prepare(
        `INSERT INTO operational_notices (id, kind, model_id, day, summary, data, created_at) VALUES (?, 'model-drift', 'stroke', ?, 'drift', '{"psi":0.3}', ?)`,
      );
      const delivery = old.prepare(
        `INSERT INTO operational_deliveries (notice_id, destination_id, idempotency_key, state, attempts, next_attempt_at, last_error, delivered_at) VALUES (?, 'it-ops', ?, ?, ?, ?, ?, ?)`,
      );
      notice.run('n1', '2026-12-01', t);
      notice.run('n2', '2026-12-02', t);
      notice.run('n3', '2026-12-03', t);
      delivery.run('n1', 'key-1', 'delivered', 1, t, null, t);
      delivery.run('n2', 'key-2', 'pending', 1, t, 'VigilError ALERT_HTTP_UNREACHABLE', null); // tried once, its retry due
      delivery.run('n3', 'key-3', 'pending', 0, t, null, null);
      old.close();

      const db = openDatabase(indexPath(dir));
      migrate(db, [storeMigrations, queueMigrations, operationalMigrations]);
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'operational_deliveries'`).get(), 'the old table is dropped').to.equal(undefined);
      const destinations = configSchema.parse({
        alerts: { destinations: [{ id: 'it-ops', type: 'webhook', use: 'operational', url: await receiver.start(), secret: 'o'.repeat(32) }] },
      }).alerts.destinations;
      const outbox = new OperationalOutbox(db, { changes: new ChangeFeed(db), destinations: () => destinations });
      sender = new OperationalSender(outbox, {
        destinations: () => destinations,
        backoff: { initialMs: 1000, maxMs: 8000, factor: 2 },
        clock: systemClock,
        log: silentLogger(),
      });
      sender.start();

      const sent = await eventually(
        () => receiver.bodies.length >= 2 && receiver.bodies.map((b) => JSON.parse(b) as { id: string; notice: { id: string } }),
        'the two pending notices',
      );
      expect(sent.map((b) => [b.id, b.notice.id])).to.deep.equal([
        ['key-2', 'n2'],
        ['key-3', 'n3'],
      ]);
      expect(['n1', 'n2', 'n3'].flatMap((n) => outbox.deliveriesOf(n)).map((d) => [d.idempotencyKey, d.state, d.attempts])).to.deep.equal([
        ['key-1', 'delivered', 1],
        ['key-2', 'delivered', 2],
        ['key-3', 'delivered', 1],
      ]);

      // A notice after the upgrade goes out after them, under a new key.
      outbox.enqueue({ kind: 'positive-rate-high', modelId: 'stroke', day: '2026-12-04', summary: 'rate', data: {} });
      await eventually(() => receiver.bodies.length === 3, 'the new notice');
      expect(receiver.bodies.map((b) => (JSON.parse(b) as { notice: { id: string } }).notice.id).slice(0, 2)).to.deep.equal(['n2', 'n3']);
      expect(JSON.parse(receiver.bodies[2]!).event).to.equal('operational.positive-rate-high');
      await sender.stop();
      sender = undefined;
      db.close();
    } finally {
      await sender?.stop();
      await receiver.stop();
      removeDir(dir);
    }
  });
});
