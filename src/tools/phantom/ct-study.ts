import type { CtVolume } from './ct-render.js';
import type { PhantomLabel } from './label.js';
import type { SyntheticPatient } from './patient.js';
import type { CtVendor } from './vendors.js';

/** A generated CT series before it is written: pixels in HU plus what the DICOM tags need. */
export interface CtStudy {
  form: 'ct';
  volume: CtVolume;
  vendor: CtVendor;
  patient: SyntheticPatient;
  /** The label without its `series` part, which the writer fills in. */
  label: Omit<PhantomLabel, 'series'>;
  description: {
    study: string;
    series: string;
    bodyPart: 'HEAD' | 'CHEST';
    protocol: string;
    /** Present for contrast-enhanced series (Contrast/Bolus module). */
    contrast: { agent: string; route: string; volumeMl: number } | null;
    exposureMas: number;
    ctdiVol: number;
  };
}

/** Slice thicknesses offered by the CT phantoms (mm). */
export const CT_SLICE_THICKNESSES = [0.625, 1.25, 2.5, 3, 4, 5] as const;

/** Points sampled through a slice, enough for the partial-volume effect of thick slices. */
export function subsamplesFor(thicknessMm: number): number {
  return Math.min(4, Math.max(1, Math.round(thicknessMm / 1.25)));
}

/** Stacked slice centres covering [from, to] (mm) at the given spacing, ascending. */
export function slicePositions(fromMm: number, toMm: number, spacingMm: number): number[] {
  const count = Math.max(1, Math.round((toMm - fromMm) / spacingMm) + 1);
  const start = (fromMm + toMm) / 2 - ((count - 1) * spacingMm) / 2;
  return Array.from({ length: count }, (_, i) => Math.round((start + i * spacingMm) * 1000) / 1000);
}
