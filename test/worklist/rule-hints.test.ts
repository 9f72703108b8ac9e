import { expect } from 'chai';
import type { ModelJobRequest, RoutingSink } from '../../src/rules/sink.js';
import { silentLogger } from '../../src/log/logger.js';
import { withRuleHints } from '../../src/worklist/rule-hints.js';
import { seedStudy } from '../helpers/findings.js';
import { worklistHarness, type WorklistHarness } from '../helpers/worklist-harness.js';

describe("worklist/rule-hints: the routing rule's priority hint is a base priority", () => {
  let h: WorklistHarness;
  const handed: ModelJobRequest[] = [];
  const inner: RoutingSink = { runModel: (job) => void handed.push(job), forward: () => undefined };
  beforeEach(() => {
    h = worklistHarness();
    handed.length = 0;
  });
  afterEach(() => h.dispose());

  it('records the most pressing hint of a series, then hands the job on', async () => {
    const study = seedStudy(h.index, 'hint');
    const sink = withRuleHints(h.part.hints, inner, silentLogger());
    await sink.runModel({ seriesId: study.seriesId, modelId: 'stroke', priority: 'urgent', ruleId: 'stroke.ncct-head' });
    await sink.runModel({ seriesId: study.seriesId, modelId: 'other', priority: 'routine', ruleId: 'other.rule' });
    expect(handed.map((j) => j.modelId)).to.deep.equal(['stroke', 'other']);
    const entry = h.part.query.get(study.studyId)!;
    expect(entry.priority).to.include({ effective: 'urgent', baseSource: 'rule' });
    expect(entry.ruleHints).to.deep.equal([{ seriesId: study.seriesId, ruleId: 'stroke.ncct-head', priority: 'urgent' }]);
  });

  it('never stops the job when the hint cannot be recorded', async () => {
    const sink = withRuleHints(
      {
        record: () => {
          throw new Error('index busy');
        },
      } as unknown as typeof h.part.hints,
      inner,
      silentLogger(),
    );
    await sink.runModel({ seriesId: 'gone', modelId: 'stroke', priority: 'stat', ruleId: 'r' });
    expect(handed).to.have.length(1);
  });
});
