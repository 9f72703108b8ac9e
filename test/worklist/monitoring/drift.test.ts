import { expect } from 'chai';
import { histogram, populationStabilityIndex } from '../../../src/worklist/monitoring/drift.js';

describe('worklist/monitoring/drift: population stability index', () => {
  it('bins scores by their edges: an inner edge goes up, 1 goes to the last bin', () => {
    expect(histogram([0, 0.1, 0.5, 0.49, 1, 0.99, Number.NaN], [0, 0.5, 1])).to.deep.equal([3, 3]);
  });

  it('is 0 for the same distribution and grows with the shift, finite with empty bins', () => {
    expect(populationStabilityIndex([10, 20, 30], [20, 40, 60])).to.be.closeTo(0, 1e-3);
    const small = populationStabilityIndex([50, 30, 20], [45, 33, 22]);
    const large = populationStabilityIndex([50, 30, 20], [5, 15, 80]);
    expect(small).to.be.below(0.1);
    expect(large).to.be.above(0.25);
    expect(Number.isFinite(populationStabilityIndex([100, 0], [0, 100]))).to.equal(true);
    expect(() => populationStabilityIndex([1, 2], [1])).to.throw(RangeError);
  });
});
