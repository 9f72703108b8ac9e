import { expect } from 'chai';
import type { DemoStudy } from '../../src/tools/demo/demo-set.js';
import { ProgressView, stagesOf } from '../../src/tools/demo/progress-view.js';
import { outcomeOf, type StudyState } from '../../src/tools/demo/study-tracker.js';

function state(over: Partial<StudyState> = {}, expected: DemoStudy['expected'] = { modelId: 'stroke-ich', positive: true }): StudyState {
  const study = { key: 'k', label: 'head CT, ICH', expected, files: new Array(31).fill({ name: 'x', bytes: new Uint8Array() }) } as unknown as DemoStudy;
  return {
    study,
    sent: null,
    instances: 0,
    stable: null,
    routed: null,
    job: null,
    finding: null,
    alert: null,
    sinks: { hl7: 0, fhir: 0, pacs: 0 },
    problem: null,
    ...over,
  };
}

const DESTS = ['demo-ris-hl7', 'demo-ehr-fhir', 'demo-pacs-dicom'];
const delivered = { id: 'a', deliveries: DESTS.map((destination) => ({ destination, state: 'delivered' })) };

describe("demo: a study's stages and the progress display", () => {
  it('ends a positive study only when every destination delivered and every sink took it', () => {
    const inferred = state({
      sent: { stored: 31, failed: 0 },
      stable: { reason: 'counts' },
      routed: { models: ['stroke-ich'], rules: [] },
      finding: { id: 'f', probability: 0.9, threshold: 0.5, positive: true },
    });
    expect(outcomeOf(inferred, DESTS)).to.equal('pending');
    expect(outcomeOf({ ...inferred, alert: delivered }, DESTS)).to.equal('pending');
    expect(outcomeOf({ ...inferred, alert: delivered, sinks: { hl7: 1, fhir: 1, pacs: 0 } }, DESTS)).to.equal('pending');
    expect(outcomeOf({ ...inferred, alert: delivered, sinks: { hl7: 1, fhir: 1, pacs: 2 } }, DESTS)).to.equal('done');
    expect(outcomeOf({ ...inferred, problem: 'triage job dead' }, DESTS)).to.equal('failed');
  });

  it('ends a normal study at its negative finding, and an unrouted one at its routing decision', () => {
    const normal = state(
      {
        sent: { stored: 31, failed: 0 },
        routed: { models: ['stroke-ich'], rules: [] },
        finding: { id: 'f', probability: 0.1, threshold: 0.5, positive: false },
      },
      { modelId: 'stroke-ich', positive: false },
    );
    expect(outcomeOf(normal, DESTS)).to.equal('done');
    const mr = state({ sent: { stored: 12, failed: 0 }, routed: { models: [], rules: [] } }, { modelId: null, positive: null });
    expect(outcomeOf(mr, DESTS)).to.equal('done');
    expect(stagesOf({ ...mr, stable: { reason: 'counts' } })).to.deep.equal(['received 12/31', 'complete (counts)', 'routed no rule']);
  });

  it('prints one plain line per change when the output is not a terminal', () => {
    let text = '';
    const view = new ProgressView({ write: (t) => void (text += t) });
    const s = state({ sent: { stored: 31, failed: 0 } });
    view.update([s], () => 'pending');
    view.update([s], () => 'pending');
    s.stable = { reason: 'counts' };
    view.update([s], () => 'pending');
    expect(text.split('\n').filter(Boolean)).to.deep.equal([
      '… head CT, ICH  received 31/31 → waiting for completion',
      '… head CT, ICH  received 31/31 → complete (counts)',
    ]);
    expect(text).to.not.include('\x1b');
  });

  it('redraws the block of study lines in place on a terminal, cut to its width, with messages above it', () => {
    let text = '';
    const view = new ProgressView({ write: (t) => void (text += t), isTTY: true, columns: 30 });
    const s = state({ sent: { stored: 31, failed: 0 } });
    view.update([s, { ...s, study: { ...s.study, key: 'k2' } }], () => 'pending');
    text = '';
    view.message(['RIS took ORU^R01']);
    // Up two lines and clear, the message, then the two study lines again.
    expect(text).to.equal('\x1b[2F\x1b[0JRIS took ORU^R01\n… head CT, ICH  received 31/3\n… head CT, ICH  received 31/3\n');
  });
});
