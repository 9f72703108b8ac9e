/**
 * pneumothorax: triage of frontal chest radiographs by the pneumothorax model (pneumothorax-cxr).
 *
 * This plugin's part is choosing the images: its default routing rule, data that the rules
 * engine validates and applies (config/README.md). IT replaces or disables it by id in
 * config/rules.yaml; the model itself is a model pack (models/).
 */
import { definePlugin } from 'vigil/sdk';

export default definePlugin({
  id: 'pneumothorax',
  version: '1.0.0',
  coreRange: '^0.1.0',
  defaultRules: [
    {
      id: 'pneumothorax.cxr',
      description: 'Frontal chest radiographs (CR or DX, PA or AP) go to the pneumothorax model',
      when: {
        all: [
          { attr: 'Modality', oneOf: ['CR', 'DX'] },
          {
            any: [
              { attr: 'BodyPartExamined', oneOf: ['CHEST', 'THORAX'] },
              { attr: 'StudyDescription', matches: String.raw`\b(chest|thorax|cxr)\b` },
            ],
          },
          { attr: 'ViewPosition', oneOf: ['PA', 'AP'] },
        ],
      },
      // Most chest films are routine; the model raises the priority of the ones it flags.
      then: { models: ['pneumothorax-cxr'], priority: 'routine' },
    },
  ],
  hooks: {},
});
