import { expect } from 'chai';
import { checkRules } from '../../src/rules/check.js';

const ctx = { defaults: [], models: ['m'], destinations: [] };
const rule = (id: string, when: unknown, stop = false) => ({ id, when, stop, then: { models: ['m'] } });

describe('rules/shadowing', () => {
  it('warns when an earlier stopping rule matches everything a later one does', () => {
    const check = checkRules(
      {
        rules: [
          rule('all-ct', { attr: 'Modality', equals: 'CT' }, true),
          rule('thin-ct', {
            all: [
              { attr: 'Modality', equals: 'ct' },
              { attr: 'SliceThickness', range: { max: 5 } },
            ],
          }),
          rule('mr', { attr: 'Modality', equals: 'MR' }),
          rule('ct-or-mr', {
            any: [
              { attr: 'Modality', oneOf: ['CT'] },
              { attr: 'Modality', equals: 'MR' },
            ],
          }),
        ],
      },
      ctx,
    );
    expect(check.errors).to.deep.equal([]);
    expect(check.warnings).to.deep.equal([
      { path: 'rules.1', message: 'rule thin-ct can never fire: the earlier rule all-ct matches every series it matches and stops' },
    ]);
  });

  it('follows ranges, lists, patterns and negations', () => {
    const check = checkRules(
      {
        rules: [
          rule('thin', { attr: 'SliceThickness', range: { max: 5 } }, true),
          rule('thinner', { attr: 'SliceThickness', range: { min: 0.5, max: 2 } }),
          rule('chest', { attr: 'BodyPartExamined', oneOf: ['CHEST', 'THORAX', 'LUNG'] }, true),
          rule('thorax', { attr: 'BodyPartExamined', oneOf: ['thorax', 'lung'] }),
          rule('angio', { attr: 'SeriesDescription', matches: 'angio' }, true),
          rule('ctpa', { attr: 'SeriesDescription', equals: 'CT ANGIO PULM' }),
          rule('no-loc', { not: { attr: 'ImageType', equals: 'LOCALIZER' } }, true),
          rule('no-loc-or-scout', { not: { attr: 'ImageType', oneOf: ['LOCALIZER', 'SCOUT'] } }),
          rule('everything', { all: [] }, true),
          rule('after-everything', { absent: 'Modality' }),
        ],
      },
      ctx,
    );
    expect(check.warnings.map((w) => w.path)).to.deep.equal(['rules.1', 'rules.3', 'rules.5', 'rules.7', 'rules.9']);
  });

  it('stays quiet when the earlier rule does not stop, is disabled, or is narrower', () => {
    const check = checkRules(
      {
        rules: [
          rule('ct', { attr: 'Modality', equals: 'CT' }),
          { ...rule('off', { attr: 'Modality', equals: 'CT' }, true), enabled: false },
          rule('thin', { attr: 'SliceThickness', range: { max: 2 } }, true),
          rule('ct-again', { attr: 'Modality', equals: 'CT' }),
          rule('thin-5', { attr: 'SliceThickness', range: { max: 5 } }),
          rule('five', { attr: 'SliceThickness', equals: '5.0' }),
          rule('no-loc-or-scout', { not: { attr: 'ImageType', oneOf: ['LOCALIZER', 'SCOUT'] } }, true),
          rule('no-loc', { not: { attr: 'ImageType', equals: 'LOCALIZER' } }),
        ],
      },
      ctx,
    );
    expect(check.warnings).to.deep.equal([]);
  });
});
