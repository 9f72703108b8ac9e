import { expect } from 'chai';
import { isVigilError } from '../../src/core/errors.js';
import { alertsHarness, type AlertsHarness } from '../helpers/alerts-harness.js';
import { makeFinding, seedStudy, type SeededStudy } from '../helpers/findings.js';
import { ManualClock } from '../../src/core/clock.js';

const destinations = [
  { id: 'ris', type: 'hl7v2' as const, host: '127.0.0.1', port: 1 },
  { id: 'chat', type: 'webhook' as const, url: 'http://127.0.0.1:1/hook', secret: 's', when: { criticalOnly: false, minPriority: 'urgent' as const } },
  { id: 'stroke-team', type: 'webhook' as const, url: 'http://127.0.0.1:1/hook', secret: 's', when: { models: ['stroke'] }, use: 'escalation' as const },
  { id: 'off', type: 'webhook' as const, url: 'http://127.0.0.1:1/hook', secret: 's', enabled: false },
];

describe('alerts/outbox: alerts written with their finding', () => {
  let h: AlertsHarness;
  let study: SeededStudy;
  const clock = new ManualClock();

  beforeEach(() => {
    h = alertsHarness({ destinations, escalation: { levels: [{ afterMs: 600_000, destinations: ['stroke-team'] }] } }, { clock });
    study = seedStudy(h.index, 'outbox');
  });
  afterEach(() => h.dispose());

  const changes = () => h.index.changes.list(0, 100).changes.filter((c) => c.resourceType === 'alert');

  it('writes the alert, one delivery per matching destination and a /changes entry, in the caller’s transaction', () => {
    h.db.exec('CREATE TABLE findings_stub (id TEXT PRIMARY KEY)');
    const finding = makeFinding(study);
    const result = h.db.transaction(() => {
      h.db.prepare('INSERT INTO findings_stub (id) VALUES (?)').run(finding.id);
      return h.part.outbox.enqueueForFinding(finding);
    })();
    expect(result.outcome).to.equal('created');
    if (result.outcome !== 'created') return;
    const rows = h.part.deliveries.ofAlert(result.alert.id);
    expect(rows.map((d) => [d.destinationId, d.channel, d.state, d.kind])).to.deep.equal([
      ['ris', 'hl7v2', 'pending', 'alert'],
      ['chat', 'webhook', 'pending', 'alert'],
    ]);
    expect(new Set(rows.map((d) => d.idempotencyKey)).size).to.equal(2);
    expect(result.alert).to.include({ state: 'open', critical: true, escalateAt: clock.now() + 600_000, findingStoredAt: finding.createdAt });
    expect(changes().map((c) => c.type)).to.deep.equal(['alert-created']);
  });

  it('writes nothing when the finding’s transaction rolls back', () => {
    const finding = makeFinding(study);
    expect(() =>
      h.db.transaction(() => {
        h.part.outbox.enqueueForFinding(finding);
        throw new Error('finding insert failed');
      })(),
    ).to.throw('finding insert failed');
    expect(h.part.alerts.list({ limit: 10 })).to.deep.equal([]);
    expect(h.part.deliveries.list({ limit: 10 })).to.deep.equal([]);
    expect(changes()).to.deep.equal([]);
  });

  it('routes by each destination’s filter: negative findings never, non-critical only where asked', () => {
    expect(h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine' })).outcome).to.equal('not-routed');
    const urgent = h.part.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent' }));
    expect(urgent.outcome).to.equal('created');
    if (urgent.outcome === 'created') expect(h.part.deliveries.ofAlert(urgent.alert.id).map((d) => d.destinationId)).to.deep.equal(['chat']);
    expect(urgent.outcome === 'created' && urgent.alert.escalateAt).to.equal(null);
  });

  it('keeps one alert per study, concept and model version unless the result changes', () => {
    const first = h.part.outbox.enqueueForFinding(makeFinding(study));
    const again = h.part.outbox.enqueueForFinding(makeFinding(study, { probability: 0.95 }));
    expect(again).to.deep.equal({ outcome: 'unchanged', alertId: first.outcome === 'created' ? first.alert.id : '' });
    const otherVersion = h.part.outbox.enqueueForFinding(makeFinding(study, { modelVersion: '1.1.0' }));
    expect(otherVersion.outcome).to.equal('created');

    const changed = h.part.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent' }));
    expect(changed.outcome).to.equal('created');
    if (first.outcome !== 'created' || changed.outcome !== 'created') return;
    expect(changed.superseded).to.equal(first.alert.id);
    const old = h.part.alerts.get(first.alert.id)!;
    expect(old).to.include({ state: 'superseded', supersededBy: changed.alert.id, escalateAt: null });
    expect(h.part.deliveries.ofAlert(old.id).map((d) => d.state)).to.deep.equal(['cancelled', 'cancelled']);
    expect(changes().map((c) => c.type)).to.deep.equal(['alert-created', 'alert-created', 'alert-superseded', 'alert-created']);
  });

  it('a changed result corrects the standing one under its result id, also where the new result alone would not go', () => {
    const first = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (first.outcome !== 'created') throw new Error('not created');
    h.part.deliveries.recordAttempt(first.deliveries[0]!, clock.now()); // ris was sent the critical result
    const changed = h.part.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent' }));
    if (changed.outcome !== 'created') throw new Error('not created');
    expect(first.alert).to.include({ resultId: first.alert.id, replaces: null });
    expect(changed.alert).to.include({ resultId: first.alert.id, replaces: first.alert.id });
    // An urgent, non-critical finding alone goes to chat only; ris may hold the critical result and must hear it changed.
    expect(h.part.deliveries.ofAlert(changed.alert.id).map((d) => [d.destinationId, d.kind])).to.deep.equal([
      ['chat', 'alert'],
      ['ris', 'alert'],
    ]);
  });

  it('a negative finding withdraws the standing alert: escalation stops, the unsent is cancelled, every destination that may hold it is told', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    const escalated = h.part.outbox.escalate(r.alert.id, clock.now() + 600_000)!; // stroke-team, an escalation level
    const [ris] = r.deliveries;
    h.part.deliveries.recordAttempt(ris!, clock.now());
    h.part.deliveries.markDelivered(ris!, clock.now(), 10, null);
    h.part.deliveries.recordAttempt(escalated.deliveries[0]!, clock.now()); // in flight: it may arrive
    // chat was never tried (its endpoint is down, say): it never had the alert.
    h.part.outbox.acknowledge(r.alert.id, 'dr-house', null);
    clock.advance(60_000);
    const negative = makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.05 });

    const result = h.part.outbox.enqueueForFinding(negative);
    expect(result).to.include({ outcome: 'withdrawn', alertId: r.alert.id });
    const alert = h.part.alerts.get(r.alert.id)!;
    expect(alert).to.include({ state: 'withdrawn', withdrawnAt: clock.now(), escalateAt: null, supersededBy: null, resultId: r.alert.id });
    expect(alert.withdrawal?.id).to.equal(negative.id);
    expect(h.part.deliveries.ofAlert(r.alert.id).map((d) => [d.destinationId, d.kind, d.state, d.closedReason])).to.deep.equal([
      ['ris', 'alert', 'delivered', null],
      ['chat', 'alert', 'cancelled', `withdrawn by finding ${negative.id}`],
      ['stroke-team', 'escalation', 'cancelled', `withdrawn by finding ${negative.id}`],
      ['ris', 'withdrawal', 'pending', null],
      ['stroke-team', 'withdrawal', 'pending', null],
    ]);
    expect(changes().at(-1)).to.include({ type: 'alert-withdrawn', resourceId: r.alert.id });
    expect(changes().at(-1)?.data).to.deep.equal({ findingId: negative.id, destinations: ['ris', 'stroke-team'] });
    expect(h.part.alerts.list({ state: 'withdrawn', limit: 10 }).map((a) => a.id)).to.deep.equal([r.alert.id]);
    expect(h.part.alerts.list({ state: 'superseded', limit: 10 })).to.deep.equal([]);

    // Withdrawn once is enough: the same negative again, or another, changes nothing.
    expect(h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine' })).outcome).to.equal('not-routed');
    expect(() => h.part.outbox.acknowledge(r.alert.id, 'dr', null)).to.throw('the alert is withdrawn, not open');
  });

  it('a finding on another series of the study only ever raises the alert: a weaker one or a negative there changes nothing', () => {
    const thin = makeFinding(study, { critical: false, priority: 'urgent' });
    const r = h.part.outbox.enqueueForFinding(thin);
    if (r.outcome !== 'created') throw new Error('not created');
    const otherSeries = { seriesId: 'other-series', seriesInstanceUid: '1.2.826.0.1.3680043.8.498.99' };
    expect(h.part.outbox.enqueueForFinding(makeFinding(study, { ...otherSeries, positive: false, critical: false, priority: 'routine' }))).to.deep.equal({
      outcome: 'unchanged',
      alertId: r.alert.id,
    });
    expect(h.part.outbox.enqueueForFinding(makeFinding(study, { ...otherSeries, critical: false, priority: 'routine' }))).to.deep.equal({
      outcome: 'unchanged',
      alertId: r.alert.id,
    });
    expect(h.part.alerts.get(r.alert.id)).to.include({ state: 'open' });
    const stronger = h.part.outbox.enqueueForFinding(makeFinding(study, otherSeries));
    expect(stronger).to.include({ outcome: 'created', superseded: r.alert.id });
    // Raised on two series, a negative on one of them does not withdraw it: the other still stands.
    if (stronger.outcome !== 'created') return;
    expect(h.part.outbox.enqueueForFinding(makeFinding(study, { ...otherSeries, positive: false, critical: false, priority: 'routine' }))).to.deep.equal({
      outcome: 'unchanged',
      alertId: stronger.alert.id,
    });
  });

  it('a result withdrawn and then positive again is the same result to receivers (same result id)', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine' }));
    clock.advance(1000);
    const again = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (again.outcome !== 'created') throw new Error('not created');
    expect(again.alert).to.include({ state: 'open', resultId: r.alert.id, replaces: null });
    expect(again.superseded).to.equal(null);
  });

  it('a retry resends only the withdrawals of a withdrawn alert, and nothing of a superseded one', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    const dead = { code: 'ALERT_NACK_REJECT', error: 'peer answered AR', peer: null };
    for (const seq of r.deliveries) h.part.deliveries.recordAttempt(seq, clock.now());
    h.part.deliveries.markDead(r.deliveries[0]!, dead, 'peer answered AR');
    const withdrawn = h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine' }));
    if (withdrawn.outcome !== 'withdrawn') throw new Error('not withdrawn');
    h.part.deliveries.markDead(withdrawn.deliveries[0]!, dead, 'peer answered AR');
    expect(h.part.outbox.retry(r.alert.id, 'it-admin')).to.equal(1);
    expect(h.part.deliveries.ofAlert(r.alert.id).map((d) => [d.kind, d.state])).to.deep.equal([
      ['alert', 'dead'],
      ['alert', 'cancelled'],
      ['withdrawal', 'pending'],
      ['withdrawal', 'pending'],
    ]);

    const next = h.part.outbox.enqueueForFinding(makeFinding(study));
    const changed = h.part.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent' }));
    if (next.outcome !== 'created' || changed.outcome !== 'created') throw new Error('not created');
    expect(() => h.part.outbox.retry(next.alert.id, 'it-admin')).to.throw(`superseded by ${changed.alert.id}`);
  });

  it('acknowledges once; the second time is a CONFLICT, and escalation stops', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    const acked = h.part.outbox.acknowledge(r.alert.id, 'dr-house', 'seen, calling neuro');
    expect(acked).to.include({ state: 'acknowledged', acknowledgedBy: 'dr-house', acknowledgementNote: 'seen, calling neuro', escalateAt: null });
    expect(() => h.part.outbox.acknowledge(r.alert.id, 'dr-house', null))
      .to.throw()
      .that.satisfies((e: unknown) => isVigilError(e, 'CONFLICT'));
    expect(() => h.part.outbox.acknowledge('nope', 'x', null))
      .to.throw()
      .that.satisfies((e: unknown) => isVigilError(e, 'NOT_FOUND'));
  });

  it('retries dead deliveries and cancels pending ones, each with its /changes entry', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    const [ris] = r.deliveries;
    h.part.deliveries.markDead(ris!, { code: 'ALERT_NACK_REJECT', error: 'peer answered AR', peer: null }, 'peer answered AR');
    clock.advance(5000);
    expect(h.part.outbox.retry(r.alert.id, 'it-admin')).to.equal(1);
    const retried = h.part.deliveries.get(ris!)!;
    expect(retried).to.include({ state: 'pending', retryWindowFrom: clock.now(), nextAttemptAt: clock.now() });
    expect(h.part.outbox.cancel(r.alert.id, 'it-admin')).to.equal(2);
    expect(h.part.deliveries.ofAlert(r.alert.id).map((d) => [d.state, d.closedReason])).to.deep.equal([
      ['cancelled', 'cancelled by it-admin'],
      ['cancelled', 'cancelled by it-admin'],
    ]);
    expect(changes().map((c) => c.type)).to.deep.equal(['alert-created', 'alert-retried', 'alert-cancelled']);
  });

  it('escalates an unacknowledged critical alert once per level, in one transaction', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    expect(h.part.escalator.runOnce(clock.now() + 599_999)).to.equal(0);
    expect(h.part.escalator.runOnce(clock.now() + 600_000)).to.equal(1);
    expect(h.part.escalator.runOnce(clock.now() + 900_000)).to.equal(0);
    const rows = h.part.deliveries.ofAlert(r.alert.id);
    expect(rows.map((d) => [d.destinationId, d.kind, d.escalationLevel])).to.deep.equal([
      ['ris', 'alert', null],
      ['chat', 'alert', null],
      ['stroke-team', 'escalation', 1],
    ]);
    expect(h.part.alerts.get(r.alert.id)).to.include({ escalationLevel: 1, escalateAt: null });
    expect(changes().at(-1)).to.include({ type: 'alert-escalated' });
    expect(changes().at(-1)?.data).to.deep.equal({ level: 1, destinations: ['stroke-team'] });
  });

  it('does not escalate an acknowledged alert', () => {
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    h.part.outbox.acknowledge(r.alert.id, 'dr', null);
    expect(h.part.escalator.runOnce(clock.now() + 3600_000)).to.equal(0);
  });
});
