import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chooseOperatingPoints, logit, operatingPointProblems, quantile, sigmoid } from '../../models/train/operating-points.js';
import { readManifest } from '../../src/triage/manifest-file.js';

/** n values spread evenly over [lo, hi] (deterministic: no random draw to make a test flaky). */
const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
const probabilities = (logits: number[]) => logits.map(sigmoid);

describe('models: operating points keep a margin from the normals (issue 22)', () => {
  it('normals packed tightly (stroke-ich 1.0.0: 0.030-0.045): no threshold among them, as "specificity 0.90" put it', () => {
    const normals = probabilities(spread(150, logit(0.03), logit(0.045)));
    // A weak model: most positives score like normals, a few far above.
    const positives = probabilities([...spread(100, logit(0.03), logit(0.05)), ...spread(50, logit(0.3), logit(0.99))]);
    const { points, defaultOperatingPoint, basis } = chooseOperatingPoints(positives, normals);
    expect(defaultOperatingPoint).to.equal('balanced');
    const balanced = points.find((p) => p.name === 'balanced')!;
    expect(balanced.threshold).to.be.above(Math.max(...normals));
    // Above the 99th percentile by at least its distance from the median (log-odds).
    const n99 = quantile(normals.map(logit), 0.99);
    const median = quantile(normals.map(logit), 0.5);
    expect(logit(balanced.threshold)).to.be.at.least(n99 + (n99 - median) - 1e-6);
    expect(balanced.specificity).to.equal(1);
    expect(basis.floor).to.be.closeTo(balanced.threshold, 1e-6);
    // The floor is the only admissible point here: one point, not the same one under two names.
    expect(points.map((p) => p.name)).to.deep.equal(['balanced']);
  });

  it('classes far apart (pe-ctpa on central emboli): balanced sits halfway between the two bulks, high-sensitivity below it', () => {
    const normals = probabilities(spread(50, -6, -3));
    const positives = probabilities(spread(17, 1, 4));
    const { points } = chooseOperatingPoints(positives, normals);
    expect(points.map((p) => p.name)).to.deep.equal(['balanced', 'high-sensitivity']);
    const [balanced, high] = points as [(typeof points)[0], (typeof points)[0]];
    const mid = (quantile(normals.map(logit), 0.99) + quantile(positives.map(logit), 0.1)) / 2;
    expect(logit(balanced.threshold)).to.be.closeTo(mid, 1e-4);
    expect(high.threshold).to.be.below(balanced.threshold);
    expect(high.sensitivity).to.be.at.least(balanced.sensitivity);
    expect(balanced).to.include({ sensitivity: 1, specificity: 1 });
    expect(operatingPointProblems(points)).to.deep.equal([]);
  });

  it('Platt scaling of the scores moves the thresholds with them: the same studies fall on each side', () => {
    const normals = probabilities(spread(120, -5, -2.5));
    const positives = probabilities([...spread(40, -3, -1), ...spread(80, 0, 3)]);
    const platt = (p: number) => sigmoid(1.6 * logit(p) - 2.3);
    const before = chooseOperatingPoints(positives, normals).points;
    const after = chooseOperatingPoints(positives.map(platt), normals.map(platt)).points;
    expect(after.map((p) => p.name)).to.deep.equal(before.map((p) => p.name));
    for (const [i, p] of before.entries()) {
      expect(after[i]!.sensitivity).to.equal(p.sensitivity);
      expect(after[i]!.specificity).to.equal(p.specificity);
      expect(after[i]!.threshold).to.be.closeTo(platt(p.threshold), 1e-5);
    }
  });

  it('a threshold never rounds to 0 (which would make every study positive)', () => {
    const { points } = chooseOperatingPoints(probabilities(spread(20, -9, -8)), probabilities(spread(20, -20, -18)));
    for (const p of points) expect(p.threshold).to.be.above(0);
  });

  it('too few validation studies of a class: a clear error, no points', () => {
    expect(() => chooseOperatingPoints([0.9, 0.8], spread(50, 0.01, 0.1))).to.throw(
      /at least 10 validation studies of each class \(got 2 with the finding, 50 without\)/,
    );
  });

  it('names that mean what they say: a high-sensitivity point above balanced is a problem', () => {
    // pe-ctpa 1.0.0 as it shipped: "high-sensitivity" had the higher threshold.
    const problems = operatingPointProblems([
      { name: 'balanced', threshold: 0.127299, sensitivity: 1, specificity: 0.9 },
      { name: 'high-sensitivity', threshold: 0.269945, sensitivity: 1, specificity: 0.96 },
    ]);
    expect(problems).to.deep.equal(['high-sensitivity threshold 0.269945 is above balanced 0.127299']);
  });
});

describe('models: every shipped pack names its operating points for what they are', () => {
  const root = path.resolve('models');
  const packs = fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, 'manifest.json')));
  for (const pack of packs) {
    it(`${pack.name}: high-sensitivity never above balanced`, () => {
      const manifest = readManifest(path.join(root, pack.name, 'manifest.json'));
      expect(operatingPointProblems(manifest.operatingPoints)).to.deep.equal([]);
    });
  }
});
