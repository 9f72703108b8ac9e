import { expect } from 'chai';
import { evaluateCondition } from '../../src/rules/evaluate.js';
import { cond, series } from './conditions.js';

const ct = series(
  {
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00180050': { vr: 'DS', Value: [7.5] },
    '00080008': { vr: 'CS', Value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    '00180010': { vr: 'LO' },
    '0008103E': { vr: 'LO', Value: ['CTA Chest 1.0 '] },
    '00101010': { vr: 'AS', Value: ['067Y'] },
    '00081140': { vr: 'SQ', Value: [{}] },
  },
  { 'series.instanceCount': 120, 'series.imageTypes': ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
);

describe('rules/evaluate', () => {
  it('says why a range does not hold, with the value and the bound', () => {
    const out = evaluateCondition(cond({ attr: 'SliceThickness', range: { max: 5 } }), ct);
    expect(out).to.include({ matched: false, because: 'SliceThickness is 7.5, the rule wants ≤ 5' });
  });

  it('names an absent attribute the way the rule wrote it', () => {
    const out = evaluateCondition(cond({ attr: '(0018,0088)', range: { min: 1, max: 5 } }), ct);
    expect(out.because).to.equal('(0018,0088) is absent, the rule wants between 1 and 5');
  });

  it('tells present-but-empty from absent, and absent holds for both', () => {
    expect(evaluateCondition(cond({ absent: 'ContrastBolusAgent' }), ct)).to.include({
      matched: true,
      because: 'ContrastBolusAgent is present but empty, as wanted (no value)',
    });
    expect(evaluateCondition(cond({ present: 'ContrastBolusAgent' }), ct).because).to.equal('ContrastBolusAgent is present but empty, the rule wants a value');
  });

  it('matches any value of a multi-valued attribute, ignoring case', () => {
    expect(evaluateCondition(cond({ attr: 'ImageType', equals: 'axial' }), ct).matched).to.equal(true);
    const negated = evaluateCondition(cond({ not: { attr: 'series.imageTypes', equals: 'AXIAL' } }), ct);
    expect(negated).to.include({ matched: false, because: 'series.imageTypes is ORIGINAL\\PRIMARY\\AXIAL, the rule wants no value equal to AXIAL' });
  });

  it('compares numbers as numbers and text as text', () => {
    expect(evaluateCondition(cond({ attr: 'SliceThickness', equals: '7.50' }), ct).matched).to.equal(true);
    expect(evaluateCondition(cond({ attr: 'series.instanceCount', oneOf: [100, 120] }), ct).matched).to.equal(true);
    const out = evaluateCondition(cond({ attr: 'Modality', range: { min: 1 } }), ct);
    expect(out.because).to.equal('Modality is CT, which is not a number, the rule wants ≥ 1');
  });

  it('finds a pattern anywhere in the value, trimmed, ignoring case', () => {
    expect(evaluateCondition(cond({ attr: 'SeriesDescription', matches: '^cta chest' }), ct).matched).to.equal(true);
    expect(evaluateCondition(cond({ attr: 'SeriesDescription', matches: 'ctpa' }), ct).because).to.equal(
      'SeriesDescription is "CTA Chest 1.0", the rule wants text matching /ctpa/',
    );
  });

  it('does not quote patient data in explanations unless asked', () => {
    const hidden = evaluateCondition(cond({ attr: 'PatientAge', equals: '050Y' }), ct);
    expect(hidden.because).to.equal('PatientAge has a value (not shown: patient data), the rule wants 050Y');
    expect(hidden.because).not.to.include('067Y');
    const shown = evaluateCondition(cond({ attr: '(0010,1010)', equals: '050Y' }), ct, { showPatientData: true });
    expect(shown.because).to.include('067Y');
  });

  it('explains a sequence instead of comparing it', () => {
    const out = evaluateCondition(cond({ attr: 'ReferencedImageSequence', equals: 'x' }), ct);
    expect(out.because).to.equal('ReferencedImageSequence holds a sequence, which rules cannot compare, the rule wants x');
    expect(evaluateCondition(cond({ present: 'ReferencedImageSequence' }), ct).matched).to.equal(true);
  });

  it('lists every failing part of an "all" and keeps the tree', () => {
    const out = evaluateCondition(
      cond({
        all: [
          { attr: 'Modality', equals: 'CT' },
          { attr: 'Modality', equals: 'MR' },
          { attr: 'SliceThickness', range: { max: 5 } },
        ],
      }),
      ct,
    );
    expect(out.matched).to.equal(false);
    expect(out.because).to.equal('Modality is CT, the rule wants MR; SliceThickness is 7.5, the rule wants ≤ 5');
    expect(out.parts!.map((p) => p.matched)).to.deep.equal([true, false, false]);
  });

  it('an empty "all" matches every series and says so', () => {
    expect(evaluateCondition(cond({ all: [] }), series({}))).to.deep.include({ matched: true, because: 'no conditions: every series matches' });
  });

  it('reads odd headers without throwing', () => {
    const odd = [null, 42, 'text', [], { '00080060': 'CT' }, { '00080060': { vr: 'CS', Value: 'CT' } }, { '00080060': { vr: 'CS', Value: [null, {}, [1]] } }];
    for (const header of odd) {
      const out = evaluateCondition(cond({ attr: 'Modality', equals: 'CT' }), { header, facts: {} });
      expect(out.matched).to.equal(false);
    }
  });
});
