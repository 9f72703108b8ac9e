import { expect } from 'chai';
import { checkRules } from '../../src/rules/check.js';
import type { DefaultRules } from '../../src/rules/language.js';

const rule = (id: string, models: string[] = ['m1']) => ({ id, when: { attr: 'Modality', equals: 'CT' }, then: { models } });
const defaults: DefaultRules[] = [
  { plugin: 'a', rules: [rule('a.one'), rule('a.two')] },
  { plugin: 'b', rules: [rule('b.one'), { id: 'b.broken', when: { attr: 'Nope', equals: 1 } }] },
];
const ctx = { defaults, models: ['m1', 'm2'], destinations: ['PACS'] };
const ids = (doc: unknown) => checkRules(doc, ctx).ruleSet?.rules.map((r) => `${r.id}${r.origin.kind === 'site' ? '*' : ''}`);

describe('rules/resolve: defaults and the site document', () => {
  it('site rules first, then the other defaults; a broken default must be dealt with', () => {
    const check = checkRules({ rules: [rule('site.x')] }, ctx);
    expect(check.errors).to.deep.equal([{ path: 'defaults.b.1.when.attr', message: 'unknown DICOM keyword "Nope"' }]);
    expect(ids({ rules: [rule('site.x')], disable: ['b.broken'] })).to.deep.equal(['site.x*', 'a.one', 'a.two', 'b.one']);
  });

  it('a site rule with a default id replaces it, at the site position', () => {
    expect(ids({ rules: [rule('b.one', ['m2'])], disable: ['b.broken'] })).to.deep.equal(['b.one*', 'a.one', 'a.two']);
    expect(ids({ rules: [{ id: 'b.broken', when: { all: [] }, stop: true }] })).to.deep.equal(['b.broken*', 'a.one', 'a.two', 'b.one']);
  });

  it('{ default: id } places an unchanged default among site rules', () => {
    expect(ids({ rules: [rule('site.x'), { default: 'b.one' }, rule('site.y')], disable: ['b.broken', 'a.one'] })).to.deep.equal([
      'site.x*',
      'b.one',
      'site.y*',
      'a.two',
    ]);
  });

  it('reports every mistake in the document with its path', () => {
    const check = checkRules(
      {
        rules: [
          rule('x', ['m3']),
          rule('x'),
          { default: 'zz' },
          { id: 'bad id', when: { all: [] } },
          { ...rule('f'), then: { forward: ['NOWHERE'], priority: 'soon' } },
        ],
        disable: ['b.broken', 'nope'],
        extra: 1,
      },
      ctx,
    );
    expect(check.ruleSet).to.equal(undefined);
    expect(check.errors.map((e) => e.path)).to.deep.equal([
      'extra',
      'disable.1',
      'rules.1.id',
      'rules.2.default',
      'rules.3.id',
      'rules.4.then.priority',
      'rules.0.then.models.0',
    ]);
    expect(check.errors.find((e) => e.path === 'rules.0.then.models.0')!.message).to.equal('unknown model m3; known models are m1, m2');
  });

  it('an unknown forwarding destination is an error; without a model registry, models are a warning', () => {
    const forward = checkRules({ rules: [{ ...rule('f'), then: { forward: ['NOWHERE'] } }], disable: ['b.broken'] }, ctx);
    expect(forward.errors.map((e) => e.path)).to.deep.equal(['rules.0.then.forward.0']);
    const noRegistry = checkRules({ disable: ['b.broken'] }, { ...ctx, models: undefined });
    expect(noRegistry.errors).to.deep.equal([]);
    expect(noRegistry.warnings.map((w) => w.message)).to.deep.equal(['no model registry is available: model ids m1 cannot be checked']);
  });

  it('a default naming a pack that is not installed is a warning, and the other rules stay in force', () => {
    const check = checkRules({ disable: ['b.broken'] }, { ...ctx, models: ['m2'] });
    expect(check.errors).to.deep.equal([]);
    expect(check.ruleSet?.rules.map((r) => r.id)).to.deep.equal(['a.one', 'a.two', 'b.one']);
    expect(check.warnings.map((w) => w.path)).to.deep.equal(['defaults.a.0.then.models.0', 'defaults.a.1.then.models.0', 'defaults.b.0.then.models.0']);
    expect(check.warnings[0]!.message).to.equal(
      'model m1 is not installed: default rule a.one of plugin a queues nothing for it until its pack is in the models folder',
    );
  });

  it('warns about a rule that does nothing', () => {
    const check = checkRules({ rules: [{ id: 'idle', when: { all: [] } }], disable: ['b.broken'] }, ctx);
    expect(check.warnings).to.deep.equal([{ path: 'rules.0', message: 'rule idle does nothing: it runs no model, forwards nowhere and does not stop' }]);
  });
});
