import type { FactName } from './attributes.js';
import { lookup, type SeriesFacts } from './facts.js';

/**
 * Builds what a series is evaluated on. The header is that of one representative instance (the
 * middle one by InstanceNumber: the first of a series is the one most often a scout or a
 * dose page); facts that no single header holds come from every instance, which the index
 * gives without reading files: the instance count, every ImageType value (a localizer hidden
 * in an axial series shows there), the calling AE titles. See config/README.md.
 */
export interface InstanceFacts {
  instanceNumber: number | null;
  /** ImageType values, as a list or in DICOM's backslash-joined form. */
  imageType: string | readonly string[] | undefined;
  callingAeTitle: string | null | undefined;
}

export interface SeriesFactsInput {
  /** The representative instance's data set, DICOM JSON model (tag → element). */
  header: unknown;
  instances: readonly InstanceFacts[];
  /** The AE title the series was sent to; undefined when unknown (an uploaded header). */
  calledAeTitle: string | undefined;
}

const IMAGE_ORIENTATION = { label: 'ImageOrientationPatient', kind: 'tag', key: '00200037', keyword: 'ImageOrientationPatient', patientData: false } as const;

export function buildSeriesFacts(input: SeriesFactsInput): SeriesFacts {
  const imageTypes = new Set<string>();
  const callingAeTitles = new Set<string>();
  for (const instance of input.instances) {
    const types = typeof instance.imageType === 'string' ? instance.imageType.split('\\') : (instance.imageType ?? []);
    for (const t of types) if (t.trim()) imageTypes.add(t.trim().toUpperCase());
    if (instance.callingAeTitle?.trim()) callingAeTitles.add(instance.callingAeTitle.trim());
  }
  const facts: Partial<Record<FactName, unknown>> = {
    'series.instanceCount': input.instances.length,
    'series.imageTypes': imageTypes.size > 0 ? [...imageTypes] : undefined,
    'series.orientation': orientationOf(input.header),
    'association.callingAeTitle': callingAeTitles.size > 0 ? [...callingAeTitles] : undefined,
    'association.calledAeTitle': input.calledAeTitle,
  };
  return { header: input.header, facts };
}

/** The middle instance by InstanceNumber (instances without one sort last, in given order). */
export function representativeIndex(instances: readonly { instanceNumber: number | null }[]): number {
  if (instances.length === 0) return -1;
  const order = instances.map((inst, i) => ({ i, n: inst.instanceNumber ?? Number.POSITIVE_INFINITY })).sort((a, b) => a.n - b.n || a.i - b.i);
  return order[Math.floor((order.length - 1) / 2)]!.i;
}

/**
 * Slice orientation from the direction cosines: the normal (row × column) points along the
 * patient axis the slices are stacked on. More than 0.8 along one axis names the plane.
 */
export function orientationOf(header: unknown): 'axial' | 'coronal' | 'sagittal' | 'oblique' | undefined {
  const found = lookup({ header, facts: {} }, IMAGE_ORIENTATION);
  if (found.kind !== 'values' || found.values.length !== 6) return undefined;
  const [rx, ry, rz, cx, cy, cz] = found.values.map((v) => v.number ?? Number.NaN) as [number, number, number, number, number, number];
  const normal = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx].map(Math.abs) as [number, number, number];
  if (normal.some((n) => !Number.isFinite(n))) return undefined;
  const [x, y, z] = normal;
  if (z > 0.8) return 'axial';
  if (y > 0.8) return 'coronal';
  if (x > 0.8) return 'sagittal';
  return 'oblique';
}
