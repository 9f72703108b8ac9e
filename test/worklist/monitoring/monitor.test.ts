import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { DriftReport } from '../../../src/worklist/monitoring/monitor.js';
import { makeFinding, seedStudy, type SeededStudy } from '../../helpers/findings.js';
import { worklistHarness, type WorklistHarness } from '../../helpers/worklist-harness.js';

const DAY = 86_400_000;
const EDGES = [0, 0.2, 0.4, 0.6, 0.8, 1];
/** The validation split's shape: mostly low scores. */
const BASELINE = [50, 30, 10, 5, 5];

describe('worklist/monitoring/monitor: the nightly per-model figures', () => {
  let h: WorklistHarness;
  let study: SeededStudy;
  const drifts: DriftReport[] = [];
  let n = 0;

  beforeEach(() => {
    drifts.length = 0;
    h = worklistHarness({ monitoring: { minScores: 20, driftWindowDays: 7 } }, { onDrift: (r) => drifts.push(r) });
    fs.mkdirSync(path.join(h.dir, 'stroke'));
    fs.writeFileSync(
      path.join(h.dir, 'stroke', 'score-baseline.json'),
      JSON.stringify({ source: 'validation split, 100 phantoms', edges: EDGES, counts: BASELINE }),
    );
    study = seedStudy(h.index, 'mon');
  });
  afterEach(() => h.dispose());

  /** `counts` scores per baseline bin (at the bin's middle), made on the UTC day `dayStart`. */
  function scores(counts: number[], dayStart: number, model = 'stroke'): string[] {
    const ids: string[] = [];
    counts.forEach((count, bin) => {
      for (let i = 0; i < count; i++) {
        const probability = (EDGES[bin]! + EDGES[bin + 1]!) / 2;
        const f = makeFinding(study, {
          modelId: model,
          seriesId: `series-${n++}`,
          probability,
          positive: probability >= 0.6,
          critical: false,
          priority: 'urgent',
          createdAt: dayStart + 3600_000 + i,
        });
        h.part.recordFinding(f);
        ids.push(f.id);
      }
    });
    return ids;
  }

  const yesterday = () => Date.UTC(2026, 2, 9);

  it("counts volume, positive rate and PPV by each positive finding's latest verdict", () => {
    const ids = scores(BASELINE, yesterday());
    const positives = ids.slice(90);
    expect(positives).to.have.length(10);
    const give = (id: string, by: string, verdict: 'agree' | 'disagree', at: number) => h.part.feedback.give({ findingId: id, by, verdict, comment: null, at });
    for (const id of positives.slice(0, 6)) give(id, 'dr-a', 'agree', 1);
    give(positives[6]!, 'dr-a', 'disagree', 1);
    give(positives[7]!, 'dr-a', 'agree', 1);
    give(positives[7]!, 'dr-b', 'disagree', 2); // the later verdict counts
    give(ids[0]!, 'dr-a', 'disagree', 1); // a negative finding: not in the PPV
    const [day] = h.part.monitor.runOnce(h.clock.now());
    expect(day).to.deep.include({ modelId: 'stroke', day: '2026-03-09', volume: 100, positives: 10, agree: 6, disagree: 2, windowScores: 100, drift: 'ok' });
    expect(day!.psi).to.be.below(0.01);
    const [summary] = h.part.monitor.summary(h.clock.now());
    expect(summary!.ppv).to.include({ value: 0.75, count: 6, total: 8 });
    expect(summary!.baseline).to.deep.equal({ state: 'found', source: 'validation split, 100 phantoms', reason: null });
  });

  it('says drift when the scores move away from the baseline: a change, an alert, once per day', async () => {
    scores([5, 5, 10, 30, 50], yesterday());
    const [day] = h.part.monitor.runOnce(h.clock.now());
    expect(day).to.include({ drift: 'drift' });
    expect(day!.psi).to.be.above(0.25);
    h.part.monitor.runOnce(h.clock.now());
    expect(drifts).to.have.length(1);
    expect(drifts[0]).to.deep.include({
      modelId: 'stroke',
      day: '2026-03-09',
      threshold: 0.25,
      windowDays: 7,
      windowScores: 100,
      baselineSource: 'validation split, 100 phantoms',
    });
    const changes = h.index.changes.list(0, 1000).changes.filter((c) => c.type === 'model-drift');
    expect(changes).to.have.length(1);
    expect(changes[0]).to.deep.include({ resourceType: 'model', resourceId: 'stroke' });
    const metrics = (await h.metrics.render()).body;
    expect(metrics).to.match(/vigil_model_drift\{model="stroke"\} 1/);
    expect(metrics).to.match(/vigil_model_findings_last_day\{model="stroke"\} 100/);
    expect(metrics).to.match(/vigil_model_positive_rate_last_day\{model="stroke"\} 0.8/);
  });

  it('does not judge drift on too few scores, nor without a baseline, and says why', () => {
    scores([1, 1, 1, 1, 1], yesterday());
    scores([1, 1, 1, 1, 1], yesterday(), 'pe');
    fs.mkdirSync(path.join(h.dir, 'pe'));
    fs.writeFileSync(path.join(h.dir, 'pe', 'score-baseline.json'), JSON.stringify({ source: 'x', edges: [0, 1], counts: [3] }));
    const days = h.part.monitor.runOnce(h.clock.now());
    expect(days.map((d) => [d.modelId, d.drift, d.psi])).to.deep.equal([
      ['pe', 'no-baseline', null],
      ['stroke', 'insufficient', null],
    ]);
    const pe = h.part.monitor.summary(h.clock.now()).find((m) => m.modelId === 'pe')!;
    expect(pe.baseline.state).to.equal('invalid');
    expect(pe.baseline.reason).to.match(/edges/);
    expect(drifts).to.have.length(0);
  });

  it('recomputes recent days so that verdicts given after the night still count', () => {
    const ids = scores([0, 0, 0, 0, 30], yesterday() - DAY);
    h.part.monitor.runOnce(h.clock.now());
    h.part.feedback.give({ findingId: ids[0]!, by: 'dr-late', verdict: 'agree', comment: null, at: h.clock.now() });
    h.part.monitor.runOnce(h.clock.now());
    const day = h.part.monitor.summary(h.clock.now())[0]!.days.find((d) => d.day === '2026-03-08')!;
    expect(day).to.include({ volume: 30, agree: 1 });
  });
});
