import { expect } from 'chai';
import { coverageOf, covers } from '../../src/triage/partial-coverage.js';

describe('triage/partial-coverage: how much of a series has arrived, from the index tags', () => {
  it('counts images with a position and spans them along the slice normal', () => {
    const axial = [0, 10, 5].map((z) => ({ ImagePositionPatient: `-100\\-100\\${z}`, ImageOrientationPatient: '1\\0\\0\\0\\1\\0' }));
    expect(coverageOf([...axial, { ImageType: 'DERIVED\\SECONDARY' }])).to.deep.equal({ slices: 3, zExtentMm: 10 });
    // A coronal stack spans along y, whatever its z.
    const coronal = [0, 30].map((y) => ({ ImagePositionPatient: `0\\${y}\\7`, ImageOrientationPatient: '1\\0\\0\\0\\0\\-1' }));
    expect(coverageOf(coronal).zExtentMm).to.be.closeTo(30, 1e-9);
    expect(coverageOf([])).to.deep.equal({ slices: 0, zExtentMm: 0 });
  });

  it('covers a requirement only when both the slices and the extent are there', () => {
    expect(covers({ slices: 12, zExtentMm: 60 }, { minSlices: 12, minZExtentMm: 60 })).to.equal(true);
    expect(covers({ slices: 11, zExtentMm: 80 }, { minSlices: 12, minZExtentMm: 60 })).to.equal(false);
    expect(covers({ slices: 40, zExtentMm: 59 }, { minSlices: 12, minZExtentMm: 60 })).to.equal(false);
    expect(covers({ slices: 2, zExtentMm: 0 }, { minSlices: 2 })).to.equal(true);
  });
});
