import type { ManifestInput } from '../../src/triage/manifest.js';
import type { NoiseLevel, PhantomFinding, PhantomKind } from '../../src/tools/phantom/label.js';

/**
 * The three demonstrator packs: what each model takes (the manifest's input, which the node's
 * own pipeline turns series into) and the phantom splits it is trained and validated on. This
 * file is the single source of truth for both `make-dataset.ts` and `write-manifest.ts`.
 */

export interface SplitSpec {
  /** Seeds are seedBase, seedBase + 1, ...: splits never share a seed. */
  seedBase: number;
  count: number;
  /** Every `positiveEvery`-th study carries the finding (2: half of them). */
  positiveEvery: number;
  vendors: string[];
  /** CT slice thicknesses to draw from (mm); ignored for radiographs. */
  thicknesses: number[];
  /** CT matrix (512 real), or radiograph scale-down (1 real). */
  matrix: number;
  noise: NoiseLevel[];
  /**
   * Training splits only: the share of studies (0-1) drawn in the varied scanner style
   * (src/tools/phantom/varied-style.ts: a style drawn per study around and between the named vendors,
   * never delta's, with more mimics) instead of one of `vendors`. Absent: none.
   */
  varied?: number;
}

export interface PackSpec {
  id: string;
  kind: PhantomKind;
  finding: PhantomFinding;
  manifest: Omit<ManifestInput, 'model' | 'operatingPoints' | 'defaultOperatingPoint' | 'testVector' | 'deviceUid' | 'version'>;
  splits: { train: SplitSpec; val: SplitSpec; test: SplitSpec; shifted: SplitSpec };
  /** What the shifted set changes, in words for the card. */
  shift: string;
  /**
   * When the pack is made to find only some types of its finding (the label's `type`): training,
   * the epoch, the operating points and the card's first figures are on these against studies
   * without the finding; the card gives the figures on every type too, and the manifest's
   * `finding.scope` says it in words. Absent: every type.
   */
  madeFor?: { types: string[] };
}

const DEMO = 'Demonstration only: trained on synthetic phantoms, never on patient images. Not a medical device; not for clinical use.';
const ALL_NOISE: NoiseLevel[] = ['low', 'standard', 'high'];

export const PACKS = {
  'stroke-ich': {
    id: 'stroke-ich',
    kind: 'head-ct',
    finding: 'ich',
    manifest: {
      schemaVersion: 1,
      id: 'stroke-ich',
      name: 'Intracranial hemorrhage on non-contrast head CT (demonstrator, synthetic training data)',
      intendedUse: DEMO,
      modality: ['CT'],
      bodyPart: ['HEAD', 'BRAIN'],
      input: {
        kind: 'volume',
        name: 'input',
        dtype: 'float32',
        layout: 'NCDHW',
        grid: { depth: 40, rows: 128, columns: 128 },
        spacingMm: [4, 1.8, 1.8],
        padValue: -1024,
        channels: [
          { kind: 'window', name: 'brain', center: 40, width: 80 },
          { kind: 'window', name: 'subdural', center: 80, width: 200 },
          { kind: 'normalise', name: 'bone', clip: [-1000, 2000], mean: 0, std: 1000 },
        ],
      },
      outputs: { probability: { name: 'probability', activation: 'none' }, localisation: { name: 'heatmap', layout: 'DHW', activation: 'none' } },
      finding: {
        concept: { system: 'http://snomed.info/sct', code: '1386000', display: 'Intracranial hemorrhage' },
        critical: true,
        priorityIfPositive: 'stat',
        urgency: 90,
      },
      resources: { timeoutMs: 60000, maxMemoryMb: 1024 },
      // A bleed can sit anywhere in the brain: run early once 6 cm of the head is there.
      partial: { minSlices: 12, minZExtentMm: 60 },
    },
    splits: {
      // Training phantoms at 256² (4x faster to draw; their noise is scaled so that on the model's
      // 1.8 mm grid they match 512² ones); validation and test at the real 512².
      // Half of them in the varied style (from 1.1.0): a reconstruction, storage and padding drawn
      // per study, and more calcifications.
      train: {
        seedBase: 100000,
        count: 1600,
        positiveEvery: 2,
        vendors: ['alpha', 'beta', 'gamma'],
        thicknesses: [2.5, 3, 4, 5],
        matrix: 256,
        noise: ALL_NOISE,
        varied: 0.5,
      },
      val: { seedBase: 200000, count: 300, positiveEvery: 2, vendors: ['alpha', 'beta', 'gamma'], thicknesses: [2.5, 3, 4, 5], matrix: 512, noise: ALL_NOISE },
      test: { seedBase: 300000, count: 160, positiveEvery: 2, vendors: ['alpha', 'beta', 'gamma'], thicknesses: [2.5, 3, 4, 5], matrix: 512, noise: ALL_NOISE },
      shifted: { seedBase: 400000, count: 100, positiveEvery: 2, vendors: ['delta'], thicknesses: [0.625, 1.25], matrix: 512, noise: ALL_NOISE },
    },
    shift: 'an unseen scanner style (vendor "delta": sharp kernel, more noise, values stored as signed HU) with unseen thin slices (0.625 and 1.25 mm)',
  },
  'pe-ctpa': {
    id: 'pe-ctpa',
    kind: 'ctpa',
    finding: 'pe',
    manifest: {
      schemaVersion: 1,
      id: 'pe-ctpa',
      name: 'Central pulmonary embolism on CT pulmonary angiography (demonstrator, synthetic training data)',
      intendedUse: DEMO,
      modality: ['CT'],
      bodyPart: ['CHEST'],
      input: {
        kind: 'volume',
        name: 'input',
        dtype: 'float32',
        layout: 'NCDHW',
        grid: { depth: 64, rows: 160, columns: 160 },
        spacingMm: [4, 2, 2],
        padValue: -1024,
        channels: [
          { kind: 'window', name: 'ctpa', center: 100, width: 700 },
          { kind: 'window', name: 'clot', center: 150, width: 300 },
          { kind: 'normalise', name: 'wide', clip: [-1000, 1000], mean: 0, std: 500 },
        ],
      },
      outputs: { probability: { name: 'probability', activation: 'none' }, localisation: { name: 'heatmap', layout: 'DHW', activation: 'none' } },
      finding: {
        concept: { system: 'http://snomed.info/sct', code: '59282003', display: 'Pulmonary embolism' },
        critical: true,
        priorityIfPositive: 'stat',
        urgency: 80,
        scope:
          'made for central emboli (pulmonary trunk, main and lobar arteries); it misses most segmental ones: a negative result does not rule out pulmonary embolism',
      },
      resources: { timeoutMs: 120000, maxMemoryMb: 2048 },
      // Central emboli lie around the pulmonary trunk: run early once 10 cm of the chest is there.
      partial: { minSlices: 30, minZExtentMm: 100 },
    },
    splits: {
      train: {
        seedBase: 500000,
        count: 1600,
        positiveEvery: 2,
        vendors: ['alpha', 'beta', 'gamma'],
        thicknesses: [1.25, 2, 2.5],
        matrix: 256,
        noise: ALL_NOISE,
      },
      val: { seedBase: 600000, count: 100, positiveEvery: 2, vendors: ['alpha', 'beta', 'gamma'], thicknesses: [1.25, 2, 2.5], matrix: 512, noise: ALL_NOISE },
      test: { seedBase: 700000, count: 80, positiveEvery: 2, vendors: ['alpha', 'beta', 'gamma'], thicknesses: [1.25, 2, 2.5], matrix: 512, noise: ALL_NOISE },
      shifted: { seedBase: 800000, count: 60, positiveEvery: 2, vendors: ['delta'], thicknesses: [1, 3], matrix: 512, noise: ALL_NOISE },
    },
    shift: 'an unseen scanner style (vendor "delta": sharp kernel, more noise, signed HU storage) with unseen slice thicknesses (1 and 3 mm)',
    // On the 4 × 2 × 2 mm grid a segmental embolus is a few lung-dark voxels; trained on them too,
    // the model learned nothing at all (models/README.md).
    madeFor: { types: ['central'] },
  },
  'pneumothorax-cxr': {
    id: 'pneumothorax-cxr',
    kind: 'cxr',
    finding: 'pneumothorax',
    manifest: {
      schemaVersion: 1,
      id: 'pneumothorax-cxr',
      name: 'Pneumothorax on frontal chest radiographs (demonstrator, synthetic training data)',
      intendedUse: DEMO,
      modality: ['CR', 'DX'],
      bodyPart: ['CHEST'],
      input: {
        kind: 'radiograph',
        name: 'input',
        dtype: 'float32',
        layout: 'NCHW',
        size: 512,
        voi: { mode: 'header', fallback: [0.01, 0.99] },
        normalise: { mean: 0.5, std: 0.25 },
        padValue: 0,
        channels: 1,
      },
      outputs: { probability: { name: 'probability', activation: 'none' }, localisation: { name: 'heatmap', layout: 'HW', activation: 'none' } },
      finding: {
        concept: { system: 'http://snomed.info/sct', code: '36118008', display: 'Pneumothorax' },
        critical: true,
        priorityIfPositive: 'stat',
        urgency: 60,
      },
      resources: { timeoutMs: 30000, maxMemoryMb: 1024 },
    },
    splits: {
      // Training radiographs at the full detector resolution (from 1.1.0). 1.0.0 was trained at
      // half of it to save time, but the generator's processing (dynamic range compression, edge
      // enhancement, noise) does not scale with the detector: the same phantom drawn at half
      // resolution looks like another device, lung markings nearly gone, so the model was trained
      // on images unlike those it is validated and used on (models/README.md).
      // Half of them in the varied style (from 1.1.0): a detector and processing drawn per study,
      // and more mimics. (1.0.0 was trained without: no varied share.)
      train: {
        seedBase: 900000,
        count: 1400,
        positiveEvery: 2,
        vendors: ['alpha', 'beta', 'gamma'],
        thicknesses: [],
        matrix: 1,
        noise: ALL_NOISE,
        varied: 0.5,
      },
      val: { seedBase: 1000000, count: 160, positiveEvery: 2, vendors: ['alpha', 'beta', 'gamma'], thicknesses: [], matrix: 1, noise: ALL_NOISE },
      test: { seedBase: 1100000, count: 160, positiveEvery: 2, vendors: ['alpha', 'beta', 'gamma'], thicknesses: [], matrix: 1, noise: ALL_NOISE },
      shifted: { seedBase: 1200000, count: 160, positiveEvery: 2, vendors: ['delta'], thicknesses: [], matrix: 1, noise: ALL_NOISE },
    },
    shift: 'an unseen detector and processing (vendor "delta": MONOCHROME1 DX, 16 bits, 2304x2816 at 0.16 mm, strong edge enhancement and more noise)',
  },
} as const satisfies Record<string, PackSpec>;

export type PackId = keyof typeof PACKS;
export const SPLIT_NAMES = ['train', 'val', 'test', 'shifted'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
