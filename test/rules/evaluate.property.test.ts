import { expect } from 'chai';
import fc from 'fast-check';
import { evaluateCondition } from '../../src/rules/evaluate.js';
import { routeSeries } from '../../src/rules/route.js';
import { checkRules } from '../../src/rules/check.js';
import { parseAttributeRef, type AttributeRef } from '../../src/rules/attributes.js';
import { compileSafeRegex, type SafeRegex } from '../../src/rules/safe-regex.js';
import type { Condition, Rule } from '../../src/rules/language.js';
import type { SeriesFacts } from '../../src/rules/facts.js';

/** Attributes the generated rules and data sets share, so that comparisons really happen. */
const REFS = [
  'Modality',
  'SliceThickness',
  'ImageType',
  '(0010,1010)',
  '00091001',
  'ReferencedImageSequence',
  'series.imageTypes',
  'series.instanceCount',
  'association.callingAeTitle',
].map((r) => parseAttributeRef(r) as AttributeRef);
const PATTERNS = ['ct', '^a+$', '(a|b)*c', '\\bhead\\b', '[0-9]{2,}', '(x+x+)+y'].map((p) => compileSafeRegex(p) as SafeRegex);

const literal = fc.oneof(fc.string({ maxLength: 12 }), fc.double(), fc.integer(), fc.constantFrom('CT', '5', 'LOCALIZER', ' 5.0 '));
const attr = fc.constantFrom(...REFS);
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ op: fc.constant('equals' as const), attr, value: literal }),
  fc.record({ op: fc.constant('oneOf' as const), attr, values: fc.array(literal, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('matches' as const), attr, regex: fc.constantFrom(...PATTERNS) }),
  fc.record({ op: fc.constant('range' as const), attr, min: fc.option(fc.double(), { nil: undefined }), max: fc.option(fc.double(), { nil: undefined }) }),
  fc.record({ op: fc.constantFrom('present' as const, 'absent' as const), attr }),
);
const condition: fc.Arbitrary<Condition> = fc.letrec<{ node: Condition }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ op: fc.constantFrom('all' as const, 'any' as const), of: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ op: fc.constant('not' as const), of: tie('node') }),
  ),
})).node;

/** Any DICOM JSON element, well-formed or not, and any value where a fact is expected. */
const element = fc.oneof(
  fc.record({
    vr: fc.constantFrom('CS', 'DS', 'IS', 'LO', 'PN', 'SQ', 'OB', 'UT', 'XX'),
    Value: fc.option(fc.array(fc.anything(), { maxLength: 5 }), { nil: undefined }),
  }),
  fc.anything(),
);
const header = fc.oneof(fc.dictionary(fc.constantFrom(...REFS.filter((r) => r.kind === 'tag').map((r) => r.key)), element), fc.anything());
const facts = fc.dictionary(fc.constantFrom('series.imageTypes', 'series.instanceCount', 'association.callingAeTitle'), fc.anything());
const seriesFacts: fc.Arbitrary<SeriesFacts> = fc.record({ header, facts });

describe('rules/evaluate: properties', () => {
  it('never throws, whatever the data set and the condition, and always explains itself', () => {
    fc.assert(
      fc.property(condition, seriesFacts, fc.boolean(), (c, s, showPatientData) => {
        const out = evaluateCondition(c, s, { showPatientData });
        expect(out.matched).to.be.a('boolean');
        expect(out.because).to.be.a('string').and.not.equal('');
      }),
      { numRuns: 2000 },
    );
  });

  it('not(c) holds exactly when c does not', () => {
    fc.assert(
      fc.property(condition, seriesFacts, (c, s) => {
        expect(evaluateCondition({ op: 'not', of: c }, s).matched).to.equal(!evaluateCondition(c, s).matched);
      }),
      { numRuns: 500 },
    );
  });

  it('routing a whole rule set never throws, and every rule gets a result', () => {
    const rule = fc.record({ when: condition, stop: fc.boolean(), enabled: fc.boolean(), models: fc.array(fc.constantFrom('m1', 'm2'), { maxLength: 2 }) });
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 6 }), seriesFacts, (written, s) => {
        const rules: Rule[] = written.map((r, i) => ({
          id: `r${i}`,
          description: '',
          enabled: r.enabled,
          when: r.when,
          then: { models: r.models, priority: 'routine', forward: [] },
          stop: r.stop,
          origin: { kind: 'site' },
          path: `rules.${i}`,
          written: { id: `r${i}` },
        }));
        const decision = routeSeries({ rules }, s);
        expect(decision.results.map((x) => x.ruleId)).to.deep.equal(rules.map((r) => r.id));
      }),
      { numRuns: 500 },
    );
  });

  it('checking any document never throws: it answers with problems', () => {
    fc.assert(
      fc.property(fc.anything(), fc.jsonValue(), (doc, json) => {
        for (const d of [doc, json, { rules: [json] }, { rules: [{ id: 'x', when: json }] }]) {
          const check = checkRules(d, { defaults: [], models: ['m1'], destinations: [] });
          expect(check.ruleSet === undefined).to.equal(check.errors.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
