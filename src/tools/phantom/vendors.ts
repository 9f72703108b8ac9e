/**
 * "Vendors" of the phantom world: invented scanner families whose reconstruction, noise and
 * DICOM habits differ the way real vendors' do. The names say plainly that they are synthetic.
 * Models train on some styles and are tested on one they never saw (the shifted set).
 */

export const CT_VENDOR_IDS = ['alpha', 'beta', 'gamma', 'delta'] as const;
export type CtVendorId = (typeof CT_VENDOR_IDS)[number];

export interface CtVendor {
  /** A named vendor, or 'varied': a style drawn per training study (varied-style.ts). */
  id: CtVendorId | 'varied';
  manufacturer: string;
  model: string;
  /** ConvolutionKernel value written for soft-tissue (brain / mediastinum) reconstructions. */
  kernelName: string;
  /** Blur of the reconstruction kernel in pixels at 512² (scaled with the matrix). */
  kernelSigma: number;
  /** Edge enhancement of the kernel (0 = none). */
  kernelSharpen: number;
  /** Noise standard deviation in HU at 5 mm, for a standard dose; scales with 1/√thickness. */
  noiseAt5mm: number;
  /** Correlation of the noise in pixels (soft kernels give blotchy noise). */
  noiseGrain: number;
  /** Residual brightening under the skull's inner table, HU (weak beam-hardening correction). */
  beamHardening: number;
  /** How stored values map to HU. */
  storage: { signed: boolean; bitsStored: number; intercept: number; slope: number; outsideFovHu: number };
  /** Slices written top of head first (true) or from the feet up. */
  descending: boolean;
  kvp: number;
}

export const CT_VENDORS: Readonly<Record<CtVendorId, CtVendor>> = {
  alpha: {
    id: 'alpha',
    manufacturer: 'SYNTHETIC PHANTOM WORKS',
    model: 'Phantom CT Alpha (synthetic)',
    kernelName: 'SOFT-A',
    kernelSigma: 0.9,
    kernelSharpen: 0,
    noiseAt5mm: 3.5,
    noiseGrain: 1.1,
    beamHardening: 4,
    storage: { signed: false, bitsStored: 12, intercept: -1024, slope: 1, outsideFovHu: -1024 },
    descending: false,
    kvp: 120,
  },
  beta: {
    id: 'beta',
    manufacturer: 'SYNTHETIC PHANTOM WORKS',
    model: 'Phantom CT Beta (synthetic)',
    kernelName: 'H31-B',
    kernelSigma: 0.7,
    kernelSharpen: 0.3,
    noiseAt5mm: 4.5,
    noiseGrain: 0.9,
    beamHardening: 8,
    storage: { signed: true, bitsStored: 16, intercept: -1024, slope: 1, outsideFovHu: -3024 },
    descending: true,
    kvp: 120,
  },
  gamma: {
    id: 'gamma',
    manufacturer: 'IMAGINARY MEDICAL SYSTEMS',
    model: 'Gamma Phantom 64 (synthetic)',
    kernelName: 'FC-G21',
    kernelSigma: 1.2,
    kernelSharpen: 0,
    noiseAt5mm: 2.8,
    noiseGrain: 1.4,
    beamHardening: 2,
    storage: { signed: false, bitsStored: 16, intercept: -1000, slope: 1, outsideFovHu: -1000 },
    descending: false,
    kvp: 100,
  },
  // Held out of training: sharper kernel, more noise, values stored as HU directly.
  delta: {
    id: 'delta',
    manufacturer: 'IMAGINARY MEDICAL SYSTEMS',
    model: 'Delta Phantom Flash (synthetic)',
    kernelName: 'UB-D',
    kernelSigma: 0.5,
    kernelSharpen: 0.6,
    noiseAt5mm: 5.5,
    noiseGrain: 0.7,
    beamHardening: 10,
    storage: { signed: true, bitsStored: 16, intercept: 0, slope: 1, outsideFovHu: -2048 },
    descending: true,
    kvp: 140,
  },
};

export const CXR_VENDOR_IDS = ['alpha', 'beta', 'gamma', 'delta'] as const;
export type CxrVendorId = (typeof CXR_VENDOR_IDS)[number];

export interface CxrDetector {
  columns: number;
  rows: number;
  /** Imager pixel spacing in mm (row spacing, column spacing). */
  spacing: number;
}

export interface CxrVendor {
  /** A named vendor, or 'varied': a style drawn per training study (varied-style.ts). */
  id: CxrVendorId | 'varied';
  manufacturer: string;
  model: string;
  modality: 'DX' | 'CR';
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  bitsStored: 12 | 14 | 16;
  detector: CxrDetector;
  /** Strength of the vendor's edge enhancement (unsharp masking) and its blur. */
  sharpen: number;
  blurPx: number;
  /** Quantum noise, as a fraction of the display range. */
  noise: number;
  /** Overall contrast curve (gamma applied to the log image). */
  gamma: number;
  /**
   * Varied styles only (absent for the named vendors, which keep their drawings): the range the
   * dynamic range compression is drawn from, an S-shaped presentation LUT's strength, and the
   * value collimated borders are left at.
   */
  processing?: { compress: readonly [number, number]; lut: number; collimation: 0 | 1 };
}

export const CXR_VENDORS: Readonly<Record<CxrVendorId, CxrVendor>> = {
  alpha: {
    id: 'alpha',
    manufacturer: 'SYNTHETIC PHANTOM WORKS',
    model: 'Phantom DR Alpha (synthetic)',
    modality: 'DX',
    photometric: 'MONOCHROME2',
    bitsStored: 12,
    detector: { columns: 2048, rows: 2048, spacing: 0.2 },
    sharpen: 0.6,
    blurPx: 0.8,
    noise: 0.012,
    gamma: 1.0,
  },
  beta: {
    id: 'beta',
    manufacturer: 'IMAGINARY MEDICAL SYSTEMS',
    model: 'Beta Phantom CR (synthetic)',
    modality: 'CR',
    photometric: 'MONOCHROME1',
    bitsStored: 12,
    detector: { columns: 1760, rows: 2140, spacing: 0.2 },
    sharpen: 0.3,
    blurPx: 1.2,
    noise: 0.018,
    gamma: 1.15,
  },
  gamma: {
    id: 'gamma',
    manufacturer: 'SYNTHETIC PHANTOM WORKS',
    model: 'Phantom DR Gamma (synthetic)',
    modality: 'DX',
    photometric: 'MONOCHROME2',
    bitsStored: 14,
    detector: { columns: 2500, rows: 3000, spacing: 0.14 },
    sharpen: 1.0,
    blurPx: 0.6,
    noise: 0.01,
    gamma: 0.9,
  },
  // Held out of training: a different detector size, MONOCHROME1 DX and heavy processing.
  delta: {
    id: 'delta',
    manufacturer: 'IMAGINARY MEDICAL SYSTEMS',
    model: 'Delta Phantom DR (synthetic)',
    modality: 'DX',
    photometric: 'MONOCHROME1',
    bitsStored: 16,
    detector: { columns: 2304, rows: 2816, spacing: 0.16 },
    sharpen: 1.4,
    blurPx: 0.7,
    noise: 0.022,
    gamma: 1.25,
  },
};
