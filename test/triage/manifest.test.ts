import { expect } from 'chai';
import { inputShape, manifestSchema, defaultOperatingPoint } from '../../src/triage/manifest.js';
import { radiographManifest, volumeManifest } from '../helpers/manifests.js';

function issues(input: unknown): string[] {
  const result = manifestSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe('triage/manifest', () => {
  it('accepts a volume and a radiograph pack and fills the defaults', () => {
    const m = manifestSchema.parse(volumeManifest());
    expect(m.resources).to.deep.equal({ timeoutMs: 60_000, maxMemoryMb: 1024 });
    expect(m.input.kind === 'volume' && m.input.padValue).to.equal(-1024);
    expect(defaultOperatingPoint(m).threshold).to.equal(0.5);
    expect(inputShape(m.input)).to.deep.equal([1, 1, 4, 16, 16]);
    const r = manifestSchema.parse(radiographManifest());
    expect(inputShape(r.input)).to.deep.equal([1, 1, 32, 32]);
  });

  it('gives a dynamic depth as null', () => {
    const base = volumeManifest();
    const m = manifestSchema.parse({ ...base, input: { ...(base.input as object), layout: 'DCHW', grid: { depth: null, rows: 8, columns: 8 } } });
    expect(inputShape(m.input)).to.deep.equal([null, 1, 8, 8]);
  });

  it('names every problem by its path', () => {
    const base = volumeManifest();
    expect(issues({ ...base, defaultOperatingPoint: 'nope' })).to.include('defaultOperatingPoint');
    expect(issues({ ...base, deviceUid: '1.02.3' })).to.include('deviceUid');
    expect(issues({ ...base, model: { sha256: 'abc' } })).to.include('model.sha256');
    expect(issues({ ...base, input: { ...(base.input as object), layout: 'NCDHWW' } })).to.include('input.layout');
    expect(issues({ ...base, outputs: { probability: { name: 'p' }, localisation: { name: 'm', layout: 'HW' } } })).to.include('outputs.localisation.layout');
    expect(issues({ ...base, testVector: { inputFile: '../x', inputShape: [1, 1, 1], expected: {} } })).to.include('testVector.inputFile');
    expect(issues({ ...base, finding: { ...base.finding, concept: { system: 'http://loinc.org', code: '1', display: 'x' } } })).to.include(
      'finding.concept.system',
    );
    expect(issues({ ...base, unknownKey: 1 })).to.have.length(1);
  });

  it('takes an optional partial coverage for early runs on volumes only, checked', () => {
    expect(manifestSchema.parse(volumeManifest()).partial).to.equal(undefined);
    expect(manifestSchema.parse({ ...volumeManifest(), partial: { minSlices: 12, minZExtentMm: 60 } }).partial).to.deep.equal({
      minSlices: 12,
      minZExtentMm: 60,
    });
    expect(issues({ ...volumeManifest(), partial: { minSlices: 1 } })).to.deep.equal(['partial.minSlices']);
    expect(issues({ ...volumeManifest(), partial: { minSlices: 4, minZExtentMm: -1 } })).to.deep.equal(['partial.minZExtentMm']);
    expect(issues({ ...volumeManifest(), partial: { minSlices: 4, slices: 3 } })).to.deep.equal(['partial']);
    expect(issues({ ...radiographManifest(), partial: { minSlices: 2 } }), 'a radiograph is one image').to.deep.equal(['partial']);
  });
});
