import type { ManifestInput } from '../../src/triage/manifest.js';

/** A valid volume manifest for tests; override what a test is about. */
export function volumeManifest(overrides: Partial<ManifestInput> = {}): ManifestInput {
  return {
    schemaVersion: 1,
    id: 'test-volume',
    name: 'Test volume model',
    version: '1.0.0',
    deviceUid: '2.25.1234567',
    intendedUse: 'Tests only.',
    modality: ['CT'],
    bodyPart: ['HEAD'],
    model: { file: 'model.onnx', sha256: '0'.repeat(64) },
    input: {
      kind: 'volume',
      name: 'input',
      dtype: 'float32',
      layout: 'NCDHW',
      grid: { depth: 4, rows: 16, columns: 16 },
      spacingMm: [5, 2, 2],
      channels: [{ kind: 'window', name: 'brain', center: 40, width: 80 }],
    },
    outputs: { probability: { name: 'probability' }, localisation: { name: 'heatmap', layout: 'DHW' } },
    operatingPoints: [{ name: 'default', threshold: 0.5, sensitivity: 0.9, specificity: 0.9 }],
    defaultOperatingPoint: 'default',
    finding: {
      concept: { system: 'http://snomed.info/sct', code: '274100004', display: 'Cerebral hemorrhage' },
      critical: true,
      priorityIfPositive: 'stat',
    },
    testVector: { inputFile: 'tv.f32', inputShape: [1, 1, 4, 16, 16], expected: { probability: { values: [0.5] } } },
    ...overrides,
  };
}

/** A valid radiograph manifest for tests. */
export function radiographManifest(overrides: Partial<ManifestInput> = {}): ManifestInput {
  return volumeManifest({
    id: 'test-radiograph',
    modality: ['CR', 'DX'],
    bodyPart: ['CHEST'],
    input: { kind: 'radiograph', name: 'input', dtype: 'float32', layout: 'NCHW', size: 32, voi: { mode: 'header' } },
    outputs: { probability: { name: 'probability' }, localisation: { name: 'heatmap', layout: 'HW' } },
    testVector: { inputFile: 'tv.f32', inputShape: [1, 1, 32, 32], expected: { probability: { values: [0.5] } } },
    ...overrides,
  });
}
