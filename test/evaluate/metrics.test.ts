import { expect } from 'chai';
import { aurocBootstrap, aurocDeLong, midranks } from '../../src/core/statistics/auroc.js';
import { computeMetrics } from '../../src/triage/evaluation/metrics.js';
import { wilson } from '../../src/core/statistics/proportion.js';
import { chooseThreshold, rocCurve } from '../../src/core/statistics/roc.js';
import { evaluateScores } from '../../src/triage/evaluation/report.js';
import type { ScoredStudy } from '../../src/triage/evaluation/scores.js';

// Ten studies worked by hand (see each expectation's comment).
const POS = [0.9, 0.8, 0.6, 0.4];
const NEG = [0.7, 0.5, 0.4, 0.3, 0.2, 0.1];
const STUDIES: ScoredStudy[] = [
  ...POS.map((score, i) => ({ study: `p${i}`, label: 1 as const, score, subgroups: { site: i < 2 ? 'A' : 'B' } })),
  ...NEG.map((score, i) => ({ study: `n${i}`, label: 0 as const, score, subgroups: { site: i < 3 ? 'A' : 'B' } })),
];
const DELONG = { method: 'delong', resamples: 0, seed: 1 } as const;

describe('evaluate: metrics', () => {
  it('counts the confusion matrix at a threshold (score >= threshold is positive)', () => {
    const m = computeMetrics(STUDIES, 0.5, DELONG, null);
    // Positives 0.9, 0.8, 0.6 called, 0.4 missed; negatives 0.7 and 0.5 called.
    expect(m.confusion).to.deep.equal({ tp: 3, fp: 2, tn: 4, fn: 1 });
    expect(m.sensitivity.value).to.equal(0.75);
    expect(m.specificity.value).to.be.closeTo(4 / 6, 1e-12);
    expect(m.ppv.value).to.equal(0.6);
    expect(m.npv.value).to.equal(0.8);
  });

  it('gives Wilson intervals: 3/4 is [0.3006, 0.9544]', () => {
    const p = wilson(3, 4);
    expect(p.ci95![0]).to.be.closeTo(0.300642, 1e-5);
    expect(p.ci95![1]).to.be.closeTo(0.954414, 1e-5);
    expect(wilson(0, 10).ci95![0]).to.equal(0);
    expect(wilson(10, 10).ci95![1]).to.be.closeTo(1, 1e-12);
    expect(wilson(0, 0).value).to.equal(null);
  });

  it('computes AUROC and its DeLong interval as worked by hand', () => {
    // Pairs won by each positive over the six negatives: 6, 6, 5, 3.5 (a tie counts one half).
    const a = aurocDeLong(POS, NEG);
    expect(a.value).to.be.closeTo(20.5 / 24, 1e-12);
    // Var = var(V10)/4 + var(V01)/6 = 0.0387731/4 + 0.0401042/6 = 0.0163773; SE = 0.127974.
    expect(a.ci95![0]).to.be.closeTo(0.854167 - 1.959964 * 0.127974, 1e-5);
    expect(a.ci95![1]).to.equal(1);
    expect(midranks([3, 1, 3, 2])).to.deep.equal([3.5, 1, 3.5, 2]);
  });

  it('gives a reproducible bootstrap interval around the same AUROC', () => {
    const a = aurocBootstrap(POS, NEG, 500, 7);
    const b = aurocBootstrap(POS, NEG, 500, 7);
    expect(a).to.deep.equal(b);
    expect(a.value).to.be.closeTo(20.5 / 24, 1e-12);
    expect(a.ci95![0]).to.be.lessThan(a.value!);
    expect(a.method).to.equal('bootstrap');
  });

  it('draws the ROC curve through every distinct threshold', () => {
    const curve = rocCurve(POS, NEG);
    expect(curve[0]).to.deep.equal({ threshold: Infinity, fpr: 0, tpr: 0 });
    expect(curve[curve.length - 1]).to.include({ fpr: 1, tpr: 1 });
    // 0.4 is shared by a positive and a negative: one point for both.
    expect(curve.filter((p) => p.threshold === 0.4)).to.have.length(1);
    // Trapezoids under the curve give the same AUROC.
    let area = 0;
    for (let i = 1; i < curve.length; i++) area += ((curve[i]!.fpr - curve[i - 1]!.fpr) * (curve[i]!.tpr + curve[i - 1]!.tpr)) / 2;
    expect(area).to.be.closeTo(20.5 / 24, 1e-12);
  });

  it('chooses thresholds for a target on validation data, halfway to the next score', () => {
    // Specificity ≥ 0.8 allows one false positive: the lowest such threshold is 0.6.
    expect(chooseThreshold(POS, NEG, { specificity: 0.8 })).to.deep.equal({ threshold: 0.55, fpr: 1 / 6, tpr: 0.75 });
    // Every positive needs threshold 0.4, where three negatives are called.
    expect(chooseThreshold(POS, NEG, { sensitivity: 1 })!.threshold).to.be.closeTo(0.35, 1e-12);
    expect(chooseThreshold([], NEG, { sensitivity: 1 })).to.equal(null);
  });

  it('breaks results down per subgroup and at an assumed prevalence', () => {
    const r = evaluateScores(STUDIES, { threshold: 0.5, thresholdSource: 'test', auroc: DELONG, prevalence: 0.1 });
    const site = r.subgroups.site!;
    expect(site.map((g) => g.value)).to.deep.equal(['A', 'B']);
    // Site A: positives 0.9, 0.8; negatives 0.7, 0.5, 0.4 → TP 2, FP 2, TN 1.
    expect(site[0]!.metrics.confusion).to.deep.equal({ tp: 2, fp: 2, tn: 1, fn: 0 });
    // PPV at 10 % = 0.75·0.1 / (0.75·0.1 + (1/3)·0.9) = 0.2
    expect(r.overall.atPrevalence!.ppv).to.be.closeTo(0.2, 1e-12);
  });
});
