import { expect } from 'chai';
import { compileSafeRegex, MAX_INPUT_LENGTH, MAX_PATTERN_LENGTH, type SafeRegex } from '../../src/rules/safe-regex.js';

describe('rules/safe-regex', () => {
  it('refuses backreferences and lookaround, which need backtracking', () => {
    for (const pattern of ['(a)\\1', 'ct(?=a)', '(?<!x)y']) {
      expect(compileSafeRegex(pattern))
        .to.have.property('error')
        .that.match(/cannot|not a pattern/);
    }
  });

  it('refuses overlong and empty patterns', () => {
    expect(compileSafeRegex('a'.repeat(MAX_PATTERN_LENGTH + 1)))
      .to.have.property('error')
      .that.match(/at most 200/);
    expect(compileSafeRegex('')).to.have.property('error');
  });

  it('runs a pattern that hangs a backtracking engine on its worst input, in linear time', () => {
    // (a+)+$ on "aaaa…!" takes exponential time in V8; RE2's automaton does not backtrack.
    const evil = compileSafeRegex('(a+)+$') as SafeRegex;
    expect(evil.test(`${'a'.repeat(MAX_INPUT_LENGTH - 1)}!`)).to.equal(false);
    const nested = compileSafeRegex('(x+x+)+y') as SafeRegex;
    expect(nested.test('x'.repeat(MAX_INPUT_LENGTH))).to.equal(false);
  });

  it('does not test values longer than the input bound', () => {
    const any = compileSafeRegex('a') as SafeRegex;
    expect(any.test('a'.repeat(MAX_INPUT_LENGTH))).to.equal(true);
    expect(any.test('a'.repeat(MAX_INPUT_LENGTH + 1))).to.equal(false);
  });
});
