/**
 * stroke: triage of non-contrast head CT by the intracranial haemorrhage model (stroke-ich).
 *
 * This plugin's part is choosing the series: its default routing rule, data that the rules
 * engine validates and applies (config/README.md). IT replaces or disables it by id in
 * config/rules.yaml; the model itself is a model pack (models/).
 */
import { definePlugin } from 'vigil/sdk';

const HEAD_WORDS = String.raw`\b(head|brain|cranial|skull|stroke)\b`;

export default definePlugin({
  id: 'stroke',
  version: '1.0.0',
  coreRange: '^0.1.0',
  defaultRules: [
    {
      id: 'stroke.ncct-head',
      description: 'Non-contrast head CT in thin axial slices goes to the haemorrhage model',
      when: {
        all: [
          { attr: 'Modality', equals: 'CT' },
          // Head or brain: the body part when the scanner fills it, else what the descriptions say.
          {
            any: [
              { attr: 'BodyPartExamined', oneOf: ['HEAD', 'BRAIN', 'SKULL'] },
              { attr: 'StudyDescription', matches: HEAD_WORDS },
              { attr: 'SeriesDescription', matches: HEAD_WORDS },
            ],
          },
          // No contrast: no agent recorded, and no description that says contrast or angiography.
          { absent: 'ContrastBolusAgent' },
          { not: { attr: 'SeriesDescription', matches: String.raw`\b(cta|angio\w*|contrast|perfusion)\b|c\+` } },
          { not: { attr: 'StudyDescription', matches: String.raw`\b(cta|angio\w*|perfusion)\b` } },
          // Thin axial slices, and not a scout (the localizer is its own series, or hides in one).
          { attr: 'SliceThickness', range: { max: 5 } },
          { attr: 'series.orientation', equals: 'axial' },
          { not: { attr: 'series.imageTypes', equals: 'LOCALIZER' } },
        ],
      },
      then: { models: ['stroke-ich'], priority: 'urgent' },
    },
  ],
  hooks: {},
});
