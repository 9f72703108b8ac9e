import { expect } from 'chai';
import { countsVerdict } from '../../src/series/counts.js';

const AXIAL = '1\\0\\0\\0\\1\\0';
const slice = (z: number, extra: Record<string, string> = {}) => ({
  ImagesInAcquisition: '3',
  ImageOrientationPatient: AXIAL,
  ImagePositionPatient: `0\\0\\${z}`,
  ...extra,
});

describe('series/counts: completeness from count tags', () => {
  it('is complete when the images match Images in Acquisition and the stack is even', () => {
    expect(countsVerdict([slice(10), slice(0), slice(5)])).to.deep.equal({ complete: true, expected: 3 });
  });

  it('waits while images are missing, and refuses more images than announced', () => {
    expect(countsVerdict([slice(0), slice(5)])).to.deep.include({ why: 'waiting' });
    expect(countsVerdict([slice(0), slice(5), slice(10), slice(15)])).to.deep.include({ why: 'too-many' });
  });

  it('finds a gap or a repeated slice position behind a matching count', () => {
    expect(countsVerdict([slice(0), slice(5), slice(15)])).to.deep.include({ why: 'gap' });
    expect(countsVerdict([slice(0), slice(5), slice(5)])).to.deep.include({ why: 'repeated-position' });
  });

  it('measures positions along the normal of an oblique stack', () => {
    const sagittal = '0\\1\\0\\0\\0\\-1';
    const s = (x: number) => slice(0, { ImageOrientationPatient: sagittal, ImagePositionPatient: `${x}\\7\\9` });
    expect(countsVerdict([s(0), s(2), s(4)])).to.deep.include({ complete: true });
    expect(countsVerdict([s(0), s(2), s(6)])).to.deep.include({ why: 'gap' });
  });

  it('judges a localizer of three planes on its count alone', () => {
    const planes = ['1\\0\\0\\0\\1\\0', '0\\1\\0\\0\\0\\-1', '1\\0\\0\\0\\0\\-1'];
    expect(countsVerdict(planes.map((o) => slice(0, { ImageOrientationPatient: o })))).to.deep.include({ complete: true });
  });

  it('counts the frames of multi-frame instances', () => {
    const mf = (frames: string) => ({ ImagesInAcquisition: '40', NumberOfFrames: frames });
    expect(countsVerdict([mf('40')])).to.deep.include({ complete: true, expected: 40 });
    expect(countsVerdict([mf('20')])).to.deep.include({ why: 'waiting' });
    expect(countsVerdict([mf('20'), mf('20')])).to.deep.include({ complete: true });
  });

  it('does not trust absent, disagreeing or multi-acquisition counts', () => {
    expect(countsVerdict([{ ImagePositionPatient: '0\\0\\0' }])).to.deep.include({ why: 'no-count' });
    expect(countsVerdict([slice(0), slice(5, { ImagesInAcquisition: '2' })])).to.deep.include({ why: 'inconsistent-count' });
    expect(countsVerdict([slice(0, { AcquisitionNumber: '1' }), slice(5, { AcquisitionNumber: '2' }), slice(10)])).to.deep.include({
      why: 'several-acquisitions',
    });
    expect(countsVerdict([{ ImagesInAcquisition: 'abc' }])).to.deep.include({ why: 'no-count' });
  });
});
