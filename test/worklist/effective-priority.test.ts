import { expect } from 'chai';
import fc from 'fast-check';
import { decidePriority, rank } from '../../src/worklist/effective-priority.js';
import { PRIORITIES } from '../../src/domain/priority.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { worklistHarness } from '../helpers/worklist-harness.js';
import { orderUpdate } from './orders/order-fixtures.js';

const priority = fc.constantFrom(...PRIORITIES);
const maybe = fc.option(priority, { nil: null });

describe('worklist/effective-priority', () => {
  it('is routine when nothing asks for more', () => {
    expect(decidePriority({ order: null, rule: null, ai: null })).to.deep.equal({
      effective: 'routine',
      base: 'routine',
      baseSource: 'default',
      ai: null,
      raisedByAi: false,
    });
  });

  it('lets AI raise a routine order to STAT, and says so', () => {
    const d = decidePriority({ order: 'routine', rule: null, ai: 'stat' });
    expect(d).to.include({ effective: 'stat', base: 'routine', baseSource: 'order', raisedByAi: true });
  });

  it('never lowers what the RIS set: a STAT order stays STAT whatever the AI says', () => {
    for (const ai of [null, 'routine', 'urgent', 'stat'] as const) {
      const d = decidePriority({ order: 'stat', rule: null, ai });
      expect(d.effective, `ai ${ai}`).to.equal('stat');
      expect(d.raisedByAi).to.equal(false);
    }
  });

  it('takes the more pressing of the order and the rule hint as the base; the order wins a tie', () => {
    expect(decidePriority({ order: 'routine', rule: 'urgent', ai: null })).to.include({ base: 'urgent', baseSource: 'rule' });
    expect(decidePriority({ order: 'urgent', rule: 'urgent', ai: null })).to.include({ base: 'urgent', baseSource: 'order' });
    expect(decidePriority({ order: null, rule: 'urgent', ai: 'urgent' })).to.include({ effective: 'urgent', raisedByAi: false });
  });

  it('for any inputs: never below the order or the rule, raised by AI exactly when the AI asks for more', () => {
    fc.assert(
      fc.property(maybe, maybe, maybe, (order, rule, ai) => {
        const d = decidePriority({ order, rule, ai });
        for (const given of [order, rule]) if (given) expect(rank(d.effective)).to.be.at.least(rank(given));
        const base = Math.max(rank(order ?? 'routine'), rank(rule ?? 'routine'));
        expect(d.raisedByAi).to.equal(ai !== null && rank(ai) > base);
        expect(rank(d.effective)).to.equal(Math.max(base, ai ? rank(ai) : 1));
      }),
    );
  });

  it('sorts in SQL as it decides in code: most pressing first, oldest first within a priority', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ order: maybe, rule: maybe, ai: maybe, ageMinutes: fc.integer({ min: 0, max: 600 }) }), { minLength: 1, maxLength: 8 }),
        async (studies) => {
          const h = worklistHarness();
          try {
            const now = h.clock.now();
            studies.forEach((s, i) => {
              const study = seedStudy(h.index, `s${i}`, { receivedAt: now - s.ageMinutes * 60_000 });
              if (s.order)
                h.part.orders.record([orderUpdate({ accession: study.accessionNumber, priority: s.order })], {
                  messageType: 'ORM^O01',
                  controlId: `c${i}`,
                  at: now,
                });
              if (s.rule) h.part.hints.record({ seriesId: study.seriesId, priority: s.rule, ruleId: `rule-${i}` });
              if (s.ai) h.part.recordFinding(makeFinding(study, { priority: s.ai, critical: s.ai === 'stat' }));
            });
            const { entries } = h.part.query.list({ limit: 100, offset: 0 });
            expect(entries).to.have.length(studies.length);
            for (const e of entries) {
              const i = Number(e.accessionNumber!.replace('ACC-s', ''));
              const s = studies[i]!;
              expect(e.priority).to.deep.equal(decidePriority({ order: s.order, rule: s.rule, ai: s.ai }));
            }
            for (let i = 1; i < entries.length; i++) {
              const [a, b] = [entries[i - 1]!, entries[i]!];
              const ra = rank(a.priority.effective);
              const rb = rank(b.priority.effective);
              expect(ra, 'priority order').to.be.at.least(rb);
              if (ra === rb) expect(a.receivedAt, 'oldest first').to.be.at.most(b.receivedAt);
            }
          } finally {
            await h.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
