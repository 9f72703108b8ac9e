import { expect } from 'chai';
import { parseCondition } from '../../src/rules/parse-condition.js';
import type { RuleProblem } from '../../src/rules/language.js';

function problemsOf(written: unknown): RuleProblem[] {
  const problems: RuleProblem[] = [];
  parseCondition(written, 'when', problems);
  return problems;
}

describe('rules/parse-condition', () => {
  it('accepts keywords, the three tag spellings and fact names', () => {
    for (const attr of ['SliceThickness', '(0018,0050)', '0018,0050', '00180050', 'series.orientation', '(0009,1001)']) {
      expect(problemsOf({ attr, equals: 1 }), attr).to.deep.equal([]);
    }
  });

  it('reports every problem with its path, and suggests a keyword', () => {
    const problems = problemsOf({
      all: [
        { attr: 'SliceThicknes', range: { max: 5 } },
        { attr: 'Modality', equal: 'CT' },
        { any: [] },
        { attr: 'SeriesDescription', matches: '(a)\\1' },
        { attr: 'SliceThickness', range: { min: 5, max: 1 } },
        { not: { present: 'series.nope' } },
        { attr: 'Modality', equals: 'CT', oneOf: ['MR'] },
      ],
    });
    expect(problems.map((p) => p.path)).to.deep.equal([
      'when.all.0.attr',
      'when.all.1.equal',
      'when.all.2.any',
      'when.all.3.matches',
      'when.all.4.range',
      'when.all.5.not.present',
      'when.all.6',
    ]);
    expect(problems[0]!.message).to.equal('unknown DICOM keyword "SliceThicknes" (did you mean SliceThickness?)');
    expect(problems[4]!.message).to.match(/min \(5\) is greater than max \(1\)/);
  });

  it('bounds nesting so a document cannot exhaust the stack', () => {
    let deep: unknown = { present: 'Modality' };
    for (let i = 0; i < 5000; i++) deep = { not: deep };
    expect(problemsOf(deep))
      .to.have.length(1)
      .and.to.have.nested.property('[0].message')
      .that.match(/nested at most/);
  });
});
