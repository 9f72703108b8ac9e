import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { wilson } from '../../../src/core/statistics/proportion.js';
import { isVigilError } from '../../../src/core/errors.js';
import { manifestSchema, type Manifest } from '../../../src/triage/manifest.js';
import { proposeOperatingPoint, type LabelledScore } from '../../../src/triage/site/calibrate.js';
import { feedbackEvidence } from '../../../src/triage/site/feedback-evidence.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { TEST_PACKS } from '../../helpers/triage.js';
import { worklistHarness } from '../../helpers/worklist-harness.js';

const manifest: Manifest = manifestSchema.parse(JSON.parse(fs.readFileSync(path.join(TEST_PACKS, 'test-volume', 'manifest.json'), 'utf8')));
const limits = { minPositives: 3, minNegatives: 3 };
const cases = (pos: number[], neg: number[]): LabelledScore[] => [
  ...pos.map((score) => ({ score, label: 1 as const })),
  ...neg.map((score) => ({ score, label: 0 as const })),
];

describe('triage/site: proposing a site operating point', () => {
  it('takes the highest threshold reaching the target sensitivity, halfway to the next score, with Wilson intervals and counts', () => {
    const p = proposeOperatingPoint(manifest, { from: 'labelled', cases: cases([0.9, 0.8, 0.7, 0.3], [0.6, 0.5, 0.2, 0.1, 0.05]), excluded: 0 }, 0.75, limits);
    // 3 of 4 positives at >= 0.7; the next lower score is 0.6.
    expect(p.threshold).to.be.closeTo(0.65, 1e-12);
    expect(p.confusion).to.deep.equal({ tp: 3, fp: 0, tn: 5, fn: 1 });
    expect(p.sensitivity).to.deep.equal(wilson(3, 4));
    expect(p.specificity).to.deep.equal(wilson(5, 5));
    expect(p.ppv).to.deep.equal(wilson(3, 3));
    // The shipped point (0.5) on the same cases, for comparison.
    expect(p.shipped).to.deep.include({ name: 'default', threshold: 0.5, confusion: { tp: 3, fp: 2, tn: 3, fn: 1 } });
    expect(p).to.include({ modelId: 'test-volume', packVersion: manifest.version, positives: 4, negatives: 5, targetSensitivity: 0.75 });
  });

  it('refuses below the minimum positives or negatives, saying how many there are and are needed', () => {
    for (const [pos, neg] of [
      [
        [0.9, 0.8],
        [0.1, 0.2, 0.3],
      ],
      [
        [0.9, 0.8, 0.7],
        [0.1, 0.2],
      ],
    ] as const) {
      let caught: unknown;
      try {
        proposeOperatingPoint(manifest, { from: 'feedback', cases: cases([...pos], [...neg]), excluded: 1 }, 0.9, limits);
      } catch (err) {
        caught = err;
      }
      expect(isVigilError(caught, 'CALIBRATION_TOO_FEW_CASES'), String(caught)).to.equal(true);
      if (!isVigilError(caught)) return;
      expect(caught.status).to.equal(422);
      expect(caught.message).to.include(`${pos.length} positive and ${neg.length} negative`);
      expect(caught.extra).to.deep.equal({ positives: pos.length, negatives: neg.length, excluded: 1, minPositives: 3, minNegatives: 3 });
    }
  });

  it('refuses a target outside (0, 1] and a score that is not a probability', () => {
    const ok = cases([0.9, 0.8, 0.7], [0.1, 0.2, 0.3]);
    expect(() => proposeOperatingPoint(manifest, { from: 'labelled', cases: ok, excluded: 0 }, 0, limits)).to.throw(/targetSensitivity/);
    expect(() => proposeOperatingPoint(manifest, { from: 'labelled', cases: [...ok, { score: 1.5, label: 1 }], excluded: 0 }, 0.9, limits)).to.throw(
      /probability/,
    );
  });

  it("reads the worklist's verdicts as labels: agree keeps the model's result, disagree flips it, a split is left out", async () => {
    const h = worklistHarness();
    try {
      const give = (positive: boolean, probability: number, verdicts: ('agree' | 'disagree')[], modelVersion = manifest.version) => {
        const f = makeFinding(seedStudy(h.index, `s${probability}-${modelVersion}`), {
          modelId: manifest.id,
          modelVersion,
          positive,
          critical: positive,
          probability,
          mode: 'shadow',
        });
        h.part.recordFinding(f);
        verdicts.forEach((verdict, i) => h.part.feedback.give({ findingId: f.id, by: `dr${i}`, verdict, comment: null, at: i }));
      };
      give(true, 0.9, ['agree']); // true positive
      give(true, 0.6, ['disagree']); // a normal called positive
      give(false, 0.3, ['disagree', 'disagree', 'agree']); // a missed finding, by majority
      give(false, 0.1, ['agree']); // true negative
      give(true, 0.7, ['agree', 'disagree']); // split: left out
      give(false, 0.2, []); // no verdict: not evidence
      give(true, 0.95, ['agree'], '0.9.0'); // another pack version: not this one's evidence
      const evidence = feedbackEvidence(h.db, manifest.id, manifest.version);
      expect(evidence.excluded).to.equal(1);
      expect(evidence.cases.sort((a, b) => b.score - a.score)).to.deep.equal([
        { score: 0.9, label: 1 },
        { score: 0.6, label: 0 },
        { score: 0.3, label: 1 },
        { score: 0.1, label: 0 },
      ]);
    } finally {
      await h.dispose();
    }
  });
});
