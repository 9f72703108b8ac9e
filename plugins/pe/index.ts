/**
 * pe: triage of CT pulmonary angiography by the pulmonary embolism model (pe-ctpa).
 *
 * This plugin's part is choosing the series: its default routing rule, data that the rules
 * engine validates and applies (config/README.md). IT replaces or disables it by id in
 * config/rules.yaml; the model itself is a model pack (models/).
 */
import { definePlugin } from 'vigil/sdk';

const SAYS_CTPA = String.raw`\bctpa\b|pulmonary (artery |arteries )?angio|\bpe\b|embol`;

export default definePlugin({
  id: 'pe',
  version: '1.0.0',
  coreRange: '^0.1.0',
  defaultRules: [
    {
      id: 'pe.ctpa',
      description: 'CT pulmonary angiography (contrast chest CT described as such) goes to the PE model',
      when: {
        all: [
          { attr: 'Modality', equals: 'CT' },
          {
            any: [
              { attr: 'BodyPartExamined', oneOf: ['CHEST', 'THORAX', 'LUNG'] },
              { attr: 'StudyDescription', matches: String.raw`\b(chest|thorax|thoracic|lungs?|pulmonary|ctpa)\b` },
            ],
          },
          // Contrast: an agent recorded, or a series description that says so.
          { any: [{ present: 'ContrastBolusAgent' }, { attr: 'SeriesDescription', matches: String.raw`\b(cta|ctpa|angio\w*|contrast)\b|c\+` }] },
          // A description that says pulmonary angiography (or PE).
          {
            any: [
              { attr: 'StudyDescription', matches: SAYS_CTPA },
              { attr: 'SeriesDescription', matches: SAYS_CTPA },
              { attr: 'ProtocolName', matches: SAYS_CTPA },
            ],
          },
          { attr: 'series.orientation', equals: 'axial' },
          { not: { attr: 'series.imageTypes', equals: 'LOCALIZER' } },
        ],
      },
      then: { models: ['pe-ctpa'], priority: 'urgent' },
    },
  ],
  hooks: {},
});
