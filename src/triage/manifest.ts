import { z } from 'zod';
import { PRIORITIES } from '../domain/priority.js';
import { isValidUid } from '../dicom/data/uids.js';

/**
 * The model pack manifest (`models/<id>/manifest.json`): everything the node needs to feed a
 * model and read its answer. Code never guesses any of it (src/ARCHITECTURE.md, "Models at a
 * site"). The meaning of every field, and the exact preprocessing each input kind gets, is in
 * models/README.md; the model-pack trainer uses `vigil triage preprocess`, so it trains on
 * exactly these tensors.
 */

export const MANIFEST_SCHEMA_VERSION = 1;

/** The clinical urgency of a pack that declares none (finding.urgency). */
export const DEFAULT_URGENCY = 50;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');
const positive = z.number().positive().finite();
const finite = z.number().finite();
const probability = z.number().min(0).max(1);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
/** A file inside the pack folder: no absolute paths, no way out of the folder. */
const packFile = z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, 'a relative path inside the pack');

/** A window maps modality values (HU for CT) to [0, 1]: (v - (center - width/2)) / width, clipped. */
export const windowSchema = z.strictObject({
  name: z.string().min(1),
  center: finite,
  width: positive,
});
export type Window = z.infer<typeof windowSchema>;

/** Or a channel clipped to a range, then standardised: (clip(v, low, high) - mean) / std. */
export const normaliseSchema = z.strictObject({
  name: z.string().min(1),
  clip: z.tuple([finite, finite]).refine(([lo, hi]) => lo < hi, 'clip must be [low, high] with low < high'),
  mean: finite,
  std: positive,
});
export type Normalise = z.infer<typeof normaliseSchema>;

export const channelSchema = z.union([windowSchema.extend({ kind: z.literal('window') }), normaliseSchema.extend({ kind: z.literal('normalise') })]);
export type Channel = z.infer<typeof channelSchema>;

/**
 * A CT (or other cross-sectional) volume: slices sorted along the slice normal, modality values
 * (HU), resampled to `spacingMm` on a grid centred on the series, one channel per entry.
 */
/** Name and element type of the model's input tensor (both input kinds). */
const tensor = { name: z.string().min(1), dtype: z.literal('float32') };

export const volumeInputSchema = z.strictObject({
  kind: z.literal('volume'),
  ...tensor,
  /** Tensor layout, the letters N (batch of 1, optional), C (channels), D (slices), H, W. */
  layout: z.string().regex(/^(?=[^C]*C[^C]*$)(?=[^D]*D[^D]*$)(?=[^H]*H[^H]*$)(?=[^W]*W[^W]*$)(?=[^N]*N?[^N]*$)[NCDHW]{4,5}$/),
  /** Target grid: `depth` null means as many slices as the series covers at `spacingMm[0]`. */
  grid: z.strictObject({
    depth: z.number().int().min(1).max(1024).nullable(),
    rows: z.number().int().min(1).max(2048),
    columns: z.number().int().min(1).max(2048),
  }),
  /** Dynamic depth only: the most slices a series may give (longer series fail, never crop silently). */
  maxDepth: z.number().int().min(1).max(1024).default(512),
  /** [slice, row, column] spacing of the target grid, millimetres. */
  spacingMm: z.tuple([positive, positive, positive]),
  /** Value (HU) outside the scanned volume, before the channels apply. */
  padValue: finite.default(-1024),
  channels: z.array(channelSchema).min(1).max(16),
  /**
   * A slice further from its neighbours than this factor times the nearer of the two
   * neighbouring spacings is a gap (a missing slice); the job fails rather than interpolate.
   */
  maxGapFactor: z.number().min(1.1).default(1.5),
});
export type VolumeInput = z.infer<typeof volumeInputSchema>;

/** How a radiograph's stored values become display values before normalisation. */
export const voiSchema = z.discriminatedUnion('mode', [
  /** The image's own VOI LUT Sequence, else its first Window Center/Width; `fallback` if it has neither. */
  z.strictObject({ mode: z.literal('header'), fallback: z.tuple([probability, probability]).default([0.01, 0.99]) }),
  /** Fixed window on modality values. */
  z.strictObject({ mode: z.literal('window'), center: finite, width: positive }),
  /** Robust min/max: the values at these quantiles of the image map to 0 and 1. */
  z.strictObject({ mode: z.literal('percentile'), range: z.tuple([probability, probability]) }),
]);
export type Voi = z.infer<typeof voiSchema>;

/**
 * A projection radiograph (CR, DX): modality values resampled to a square grid that keeps the
 * aspect ratio (letterboxed), VOI to [0, 1] with 1 the brightest (MONOCHROME1 inverted), then
 * (v - mean) / std.
 */
export const radiographInputSchema = z.strictObject({
  kind: z.literal('radiograph'),
  ...tensor,
  layout: z.string().regex(/^(?=[^C]*C[^C]*$)(?=[^H]*H[^H]*$)(?=[^W]*W[^W]*$)(?=[^N]*N?[^N]*$)[NCHW]{3,4}$/),
  /** Side of the square grid. */
  size: z.number().int().min(2).max(4096),
  voi: voiSchema,
  /** Applied after VOI; the default leaves [0, 1]. */
  normalise: z.strictObject({ mean: finite, std: positive }).default({ mean: 0, std: 1 }),
  /** Value, after VOI and before normalisation, of the letterbox. */
  padValue: probability.default(0),
  /** Replicated channels (1 for grey, 3 for ImageNet-style stems). */
  channels: z.number().int().min(1).max(4).default(1),
});
export type RadiographInput = z.infer<typeof radiographInputSchema>;

export const inputSchema = z.discriminatedUnion('kind', [volumeInputSchema, radiographInputSchema]);
export type InputSpec = z.infer<typeof inputSchema>;

const activation = z.enum(['none', 'sigmoid']).default('none');

export const outputsSchema = z.strictObject({
  /** One number: the probability (or a logit, with activation sigmoid) that the finding is present. */
  probability: z.strictObject({ name: z.string().min(1), activation }),
  /**
   * A coarse map over the input grid: layout DHW for volumes (any depth that divides or
   * resamples to the input's), HW for radiographs; extra leading dimensions of 1 allowed.
   */
  localisation: z.strictObject({ name: z.string().min(1), layout: z.enum(['DHW', 'HW']), activation }),
});
export type OutputsSpec = z.infer<typeof outputsSchema>;

export const operatingPointSchema = z.strictObject({
  name: z.string().min(1),
  /** probability >= threshold is positive. */
  threshold: probability,
  /** Measured on the validation split the pack names in its card. */
  sensitivity: probability,
  specificity: probability,
});
export type OperatingPoint = z.infer<typeof operatingPointSchema>;

export const CODE_SYSTEMS = { snomed: 'http://snomed.info/sct', radlex: 'http://radlex.org' } as const;

export const testVectorSchema = z.strictObject({
  /** Float32 little endian, in the declared layout; `.gz` when gzip-compressed. */
  inputFile: packFile,
  inputShape: z.array(z.number().int().min(1)).min(3).max(5),
  /** Expected outputs by name: inline values, or a float32 file for big maps. */
  expected: z.record(z.string(), z.union([z.strictObject({ values: z.array(finite).min(1).max(4096) }), z.strictObject({ file: packFile })])),
  /** Largest absolute difference allowed per value. */
  tolerance: z.number().positive().max(0.1).default(1e-4),
});
export type TestVector = z.infer<typeof testVectorSchema>;

export const manifestSchema = z
  .strictObject({
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    id,
    name: z.string().min(1),
    version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'semver'),
    /** Changes with every retraining: the Device UID of results the model produces. */
    deviceUid: z.string().refine(isValidUid, 'a DICOM UID'),
    /** Says so in every view where a person could take it for a clinical model. */
    intendedUse: z.string().min(1),
    modality: z.array(z.string().regex(/^[A-Z]{2,4}$/)).min(1),
    bodyPart: z.array(z.string().min(1)).min(1),
    model: z.strictObject({
      file: packFile.default('model.onnx'),
      sha256,
      /** Multiply-adds x 2 for one input, for the GFLOP/s figure. */
      flops: z.number().positive().optional(),
    }),
    input: inputSchema,
    outputs: outputsSchema,
    operatingPoints: z.array(operatingPointSchema).min(1),
    defaultOperatingPoint: z.string().min(1),
    finding: z.strictObject({
      concept: z.strictObject({ system: z.enum([CODE_SYSTEMS.snomed, CODE_SYSTEMS.radlex]), code: z.string().min(1), display: z.string().min(1) }),
      /** Where the finding is (the anatomy, SNOMED CT or RadLex), when the model knows: the DICOM results' Finding Site. */
      site: z.strictObject({ system: z.enum([CODE_SYSTEMS.snomed, CODE_SYSTEMS.radlex]), code: z.string().min(1), display: z.string().min(1) }).optional(),
      /** A positive finding is critical: alerts follow. */
      critical: z.boolean(),
      /** The reading priority a positive finding asks for. */
      priorityIfPositive: z.enum(PRIORITIES),
      /**
       * What the model is made to find when that is narrower than the concept, in words for the
       * radiologist: shown beside each of its results, negatives above all (they cover only this).
       */
      scope: z.string().min(1).max(300).optional(),
      /**
       * Clinical urgency, 0-100: the triage queue runs the jobs of the most urgent model first
       * (then the rule's priority hint, then the longest waiting), so a burst of radiographs
       * never delays a head CT. Stroke 90, pulmonary embolism 80, pneumothorax 60; 50 when unsaid.
       */
      urgency: z.number().int().min(0).max(100).default(DEFAULT_URGENCY),
    }),
    resources: z
      .strictObject({
        /** Whole job (read, decode, preprocess, infer) wall-clock bound. */
        timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
        /** JS heap bound of the worker running the job; the pipeline's buffers count. */
        maxMemoryMb: z.number().int().min(64).max(16_384).default(1024),
      })
      .prefault({}),
    /**
     * What a series still arriving must cover before the model may run on it (an early run,
     * whose positive critical result alerts at once, marked preliminary): at least `minSlices`
     * images spanning at least `minZExtentMm` along the slice normal. Volumes only (a radiograph
     * is one image, complete at once). Absent: the model waits for the complete series.
     */
    partial: z
      .strictObject({
        minSlices: z.number().int().min(2).max(1024),
        minZExtentMm: z.number().positive().max(2000).optional(),
      })
      .optional(),
    testVector: testVectorSchema,
  })
  .superRefine((m, ctx) => {
    const names = m.operatingPoints.map((p) => p.name);
    if (!names.includes(m.defaultOperatingPoint)) {
      ctx.addIssue({ code: 'custom', path: ['defaultOperatingPoint'], message: `not one of the operating points (${names.join(', ')})` });
    }
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['operatingPoints'], message: 'operating point names repeat' });
    const kind = m.input.kind;
    const mapLayout = m.outputs.localisation.layout;
    if ((kind === 'volume') !== (mapLayout === 'DHW')) {
      ctx.addIssue({ code: 'custom', path: ['outputs', 'localisation', 'layout'], message: `a ${kind} model's map is ${kind === 'volume' ? 'DHW' : 'HW'}` });
    }
    if (m.partial && kind !== 'volume') {
      ctx.addIssue({
        code: 'custom',
        path: ['partial'],
        message: 'only a volume model runs on part of a series (a radiograph is one image, complete at once)',
      });
    }
    for (const name of Object.keys(m.testVector.expected)) {
      if (name !== m.outputs.probability.name && name !== m.outputs.localisation.name) {
        ctx.addIssue({ code: 'custom', path: ['testVector', 'expected', name], message: 'not a declared output' });
      }
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;

/** The operating point the node uses unless configured otherwise. */
export function defaultOperatingPoint(m: Manifest): OperatingPoint {
  return m.operatingPoints.find((p) => p.name === m.defaultOperatingPoint)!;
}

/** Size of each tensor dimension, in layout order; null for a dynamic depth. */
export function inputShape(input: InputSpec): (number | null)[] {
  const size = (letter: string): number | null => {
    switch (letter) {
      case 'N':
        return 1;
      case 'C':
        return input.kind === 'volume' ? input.channels.length : input.channels;
      case 'D':
        return input.kind === 'volume' ? input.grid.depth : 1;
      case 'H':
        return input.kind === 'volume' ? input.grid.rows : input.size;
      case 'W':
        return input.kind === 'volume' ? input.grid.columns : input.size;
      default:
        throw new Error(`layout letter ${letter}`);
    }
  };
  return [...input.layout].map(size);
}
