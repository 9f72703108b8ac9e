import { expect } from 'chai';
import fc from 'fast-check';
import { decidePriority } from '../../../src/worklist/effective-priority.js';
import type { AiResult, WorklistEntry } from '../../../src/worklist/entry.js';
import { whyOf } from '../../../src/worklist/entry-view.js';
import { percent } from '../../../src/worklist/page/percent.js';

describe('worklist/page/percent: a probability never rounds to certainty', () => {
  it('shows 100% only for 1 and 0% only for 0', () => {
    expect([0.9993, 0.9995, 0.99999, 0.999000001].map(percent)).to.deep.equal(['> 99.9%', '> 99.9%', '> 99.9%', '> 99.9%']);
    expect([0.0004, 1e-9, 0.00099, Number.MIN_VALUE].map(percent)).to.deep.equal(['< 0.1%', '< 0.1%', '< 0.1%', '< 0.1%']);
    expect([0, 1].map(percent)).to.deep.equal(['0%', '100%']);
  });

  it('whole percents in between, one decimal near either end', () => {
    expect([0.93, 0.5, 0.127, 0.04, 0.01, 0.99].map(percent)).to.deep.equal(['93%', '50%', '13%', '4%', '1%', '99%']);
    expect([0.9949, 0.999, 0.0095, 0.001].map(percent)).to.deep.equal(['99.5%', '99.9%', '0.9%', '0.1%']);
  });

  it('says nothing it cannot: not a number is a dash', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number].map(percent)).to.deep.equal(['–', '–', '–']);
  });

  it('for any probability strictly between 0 and 1, never "100%" nor "0%", and never a value beyond it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true, maxExcluded: true }), (p) => {
        const shown = percent(p);
        expect(shown).not.to.equal('100%');
        expect(shown).not.to.equal('0%');
        const value = Number(/[\d.]+/.exec(shown)![0]);
        expect(value).to.be.greaterThan(0).and.lessThan(100);
      }),
      { numRuns: 2000 },
    );
  });

  it('the API\'s `why` line uses it: 0.9993 is not "100%"', () => {
    const reason = {
      findingId: 'f',
      studyId: 's',
      seriesId: 'se',
      model: { id: 'stroke-ich', version: '1.2.0', deviceUid: '2.25.1' },
      concept: { system: 'http://snomed.info/sct', code: '50960005', display: 'Hemorrhage' },
      probability: 0.9993,
      threshold: 0.04,
      operatingPoint: 'high-sensitivity',
      positive: true,
      critical: true,
      aiPriority: 'stat',
      keyInstanceId: null,
      keySliceIndex: null,
      keyFrameNumber: null,
      keyImagePlace: null,
      hasKeyImage: false,
      createdAt: 0,
      incompleteSeries: null,
      shadow: false,
      decidedBy: { source: 'shipped', version: null },
      preliminary: false,
    } satisfies AiResult;
    const entry = { priority: decidePriority({ order: null, rule: null, ai: 'stat' }), reason } as unknown as WorklistEntry;
    expect(whyOf(entry)).to.equal('AI: critical Hemorrhage > 99.9% (stroke-ich 1.2.0), raised from routine');
  });
});
