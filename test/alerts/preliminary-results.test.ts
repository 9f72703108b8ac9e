import { expect } from 'chai';
import { alertsHarness, type AlertsHarness } from '../helpers/alerts-harness.js';
import { makeFinding, seedStudy, type SeededStudy } from '../helpers/findings.js';
import { ManualClock } from '../../src/core/clock.js';
import { reportedResult } from '../../src/alerts/reported-result.js';

const destinations = [{ id: 'ris', type: 'hl7v2' as const, host: '127.0.0.1', port: 1 }];

/** The outbox's rules for a finding made on part of a series still arriving (an early run). */
describe('alerts/outbox: preliminary results of early runs', () => {
  let h: AlertsHarness;
  let study: SeededStudy;
  const clock = new ManualClock();

  beforeEach(() => {
    h = alertsHarness({ destinations, escalation: { levels: [{ afterMs: 600_000, destinations: ['ris'] }] } }, { clock });
    study = seedStudy(h.index, 'early');
  });
  afterEach(() => h.dispose());

  const early = (overrides = {}) => makeFinding(study, { preliminary: true, ...overrides });

  it('a preliminary negative, or a preliminary positive that is not critical, alerts nothing', () => {
    expect(h.part.outbox.enqueueForFinding(early({ positive: false, critical: false, priority: 'routine', probability: 0.02 })).outcome).to.equal('not-routed');
    expect(h.part.outbox.enqueueForFinding(early({ critical: false, priority: 'urgent' })).outcome).to.equal('not-routed');
    expect(h.part.alerts.list({ limit: 10 })).to.deep.equal([]);
  });

  it('a shadow pack version alerts nothing, early or not', () => {
    expect(h.part.outbox.enqueueForFinding(early({ mode: 'shadow' })).outcome).to.equal('not-routed');
    expect(h.part.alerts.list({ limit: 10 })).to.deep.equal([]);
  });

  it('a preliminary positive critical result alerts at once, reported as preliminary', () => {
    const result = h.part.outbox.enqueueForFinding(early());
    if (result.outcome !== 'created') throw new Error(`not created: ${result.outcome}`);
    expect(reportedResult(result.alert, 'alert')).to.include({ status: 'preliminary', corrects: false, follows: false });
  });

  it('a preliminary result neither raises nor confirms a result that already stands', () => {
    const first = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (first.outcome !== 'created') throw new Error('not created');
    expect(h.part.outbox.enqueueForFinding(early())).to.deep.equal({ outcome: 'unchanged', alertId: first.alert.id });
    // Nor does a preliminary negative take it back.
    expect(h.part.outbox.enqueueForFinding(early({ positive: false, critical: false, priority: 'routine' })).outcome).to.equal('not-routed');
    expect(h.part.alerts.get(first.alert.id)!.state).to.equal('open');
  });

  it('the final result confirms it: same result id, final not corrected, keeping its acknowledgement and escalation', () => {
    const prelim = h.part.outbox.enqueueForFinding(early());
    if (prelim.outcome !== 'created') throw new Error('not created');
    h.part.outbox.acknowledge(prelim.alert.id, 'dr-who', 'called the team');
    const final = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (final.outcome !== 'created') throw new Error(`not created: ${final.outcome}`);
    expect(final.alert).to.include({
      resultId: prelim.alert.id,
      replaces: prelim.alert.id,
      confirms: true,
      state: 'acknowledged',
      acknowledgedBy: 'dr-who',
      escalateAt: null,
    });
    expect(reportedResult(final.alert, 'alert')).to.include({ status: 'final', corrects: false, follows: true });
    expect(h.part.alerts.get(prelim.alert.id)!.state).to.equal('superseded');
    // Said again, the final result changes nothing.
    expect(h.part.outbox.enqueueForFinding(makeFinding(study)).outcome).to.equal('unchanged');
  });

  it('a final negative withdraws it (a correction to where it went)', () => {
    const prelim = h.part.outbox.enqueueForFinding(early());
    if (prelim.outcome !== 'created') throw new Error('not created');
    const withdrawn = h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.03 }));
    expect(withdrawn.outcome).to.equal('withdrawn');
    const alert = h.part.alerts.get(prelim.alert.id)!;
    expect(alert.state).to.equal('withdrawn');
    expect(reportedResult(alert, 'withdrawal')).to.include({ status: 'corrected', corrects: true, withdrawal: true });
  });
});
