import { expect } from 'chai';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { DeliveryStore } from '../../src/alerts/delivery-store.js';
import { alertMigrations } from '../../src/alerts/migrations.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { queueMigrations } from '../../src/queue/migrations.js';

describe('alerts/migrations: an index from before corrections keeps its alerts and deliveries', () => {
  it('gives every alert its own id as result id and lets deliveries be withdrawals, with every row and sequence kept', () => {
    const db = openDatabase(':memory:');
    migrate(db, [queueMigrations, { ...alertMigrations, migrations: alertMigrations.migrations.slice(0, 1) }]);
    const finding = JSON.stringify({ id: 'f1', concept: { system: 's', code: 'c', display: 'd' }, probability: 0.9 });
    db.prepare(
      `INSERT INTO alerts (id, finding_id, study_id, study_instance_uid, concept_key, model_id, model_version, critical, priority, finding, state, finding_stored_at, created_at)
       VALUES ('a1', 'f1', 's1', '1.2.3', 's|c', 'm', '1', 1, 'stat', ?, 'open', 1, 2)`,
    ).run(finding);
    const delivery = db.prepare(
      `INSERT INTO alert_deliveries (alert_id, destination_id, channel, kind, idempotency_key, state, next_attempt_at, retry_window_from, created_at)
       VALUES ('a1', ?, 'hl7v2', 'alert', ?, 'delivered', 3, 3, 3)`,
    );
    delivery.run('ris', 'k1');
    delivery.run('chat', 'k2');
    db.prepare(`DELETE FROM alert_deliveries WHERE idempotency_key = 'k2'`).run(); // AUTOINCREMENT must not reuse seq 2

    migrate(db, [queueMigrations, alertMigrations]);
    const alert = new AlertStore(db).get('a1')!;
    expect(alert).to.include({ state: 'open', resultId: 'a1', replaces: null, withdrawnAt: null, withdrawal: null });
    const deliveries = new DeliveryStore(db);
    expect(deliveries.ofAlert('a1').map((d) => [d.seq, d.destinationId, d.kind, d.state])).to.deep.equal([[1, 'ris', 'alert', 'delivered']]);
    const seq = deliveries.insert({
      alertId: 'a1',
      destinationId: 'ris',
      channel: 'hl7v2',
      kind: 'withdrawal',
      escalationLevel: null,
      idempotencyKey: 'k3',
      createdAt: 4,
    });
    expect(seq).to.equal(3);
    // alert_deliveries is a view since alerts migration 4; the kind is checked where rows are kept.
    expect(() => db.prepare(`UPDATE alert_delivery_records SET kind = 'other' WHERE seq = 3`).run()).to.throw(/CHECK constraint/);
    db.close();
  });
});
