import { expect } from 'chai';
import { alertsHarness, type AlertsHarness } from '../../helpers/alerts-harness.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { worklistHarness, type WorklistHarness } from '../../helpers/worklist-harness.js';

/**
 * A shadow finding asks nothing of anyone, whatever else it says: the outbox and the worklist
 * each check the mode themselves (the engine also writes critical false), so a finding made
 * elsewhere (a plugin's, the bus) cannot slip through either.
 */
describe('triage/site: shadow findings raise no alert and no priority', () => {
  describe('the worklist', () => {
    let h: WorklistHarness;
    beforeEach(() => {
      h = worklistHarness();
    });
    afterEach(() => h.dispose());

    it('records a shadow positive for the monitoring and verdicts, but raises nothing and lists it among no results', () => {
      const study = seedStudy(h.index, 'shadow');
      const shadow = makeFinding(study, { mode: 'shadow', critical: true, priority: 'stat' });
      h.part.recordFinding(shadow);
      const entry = h.part.query.get(study.studyId)!;
      expect(entry.priority).to.include({ effective: 'routine', raisedByAi: false });
      expect(entry.findings).to.deep.equal([]);
      expect(h.part.results.get(shadow.id)).to.deep.include({ shadow: true, aiPriority: null });
      // A verdict on it is taken like on a live one.
      expect(h.part.feedback.give({ findingId: shadow.id, by: 'dr', verdict: 'agree', comment: null, at: 1 }).verdict).to.equal('agree');
      expect(h.index.changes.list(0, 100).changes.filter((c) => c.type === 'priority-raised')).to.deep.equal([]);
    });

    it('never takes back a live raise: a shadow negative on the same series replaces only shadow results', () => {
      const study = seedStudy(h.index, 'live-then-shadow');
      const live = makeFinding(study, { operatingPoint: { name: 'site-v2', sensitivity: 0.9, specificity: 0.9, source: 'site', version: 2 } });
      h.part.recordFinding(live);
      h.part.recordFinding(makeFinding(study, { mode: 'shadow', positive: false, critical: false, probability: 0.1 }));
      const entry = h.part.query.get(study.studyId)!;
      expect(entry.priority.effective).to.equal('stat');
      expect(entry.findings.map((f) => [f.findingId, f.decidedBy])).to.deep.equal([[live.id, { source: 'site', version: 2 }]]);
    });
  });

  describe('the alerts outbox', () => {
    let h: AlertsHarness;
    beforeEach(() => {
      h = alertsHarness({ destinations: [{ id: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: 's'.repeat(32) }] });
    });
    afterEach(() => h.dispose());

    it('routes no shadow finding, and a shadow negative withdraws no live alert', () => {
      const study = seedStudy(h.index, 'outbox');
      expect(h.part.outbox.enqueueForFinding(makeFinding(study, { mode: 'shadow' })).outcome).to.equal('not-routed');
      expect(h.part.alerts.list({ limit: 10 })).to.deep.equal([]);
      const live = h.part.outbox.enqueueForFinding(makeFinding(study));
      expect(live.outcome).to.equal('created');
      expect(h.part.outbox.enqueueForFinding(makeFinding(study, { mode: 'shadow', positive: false, critical: false, probability: 0.01 })).outcome).to.equal(
        'not-routed',
      );
      expect(h.part.alerts.list({ limit: 10 }).map((a) => a.state)).to.deep.equal(['open']);
    });
  });
});
