import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../../core/errors.js';
import type { CtStudy } from './ct-study.js';
import { generateCtpa } from './ctpa.js';
import { PE_TYPES, type PeType } from './ctpa-emboli.js';
import { generateHeadCt } from './head-ct.js';
import { ICH_TYPES, type IchType } from './head-lesions.js';
import { FINDING_OF_KIND, type NoiseLevel, type PhantomFinding, type PhantomKind, type PhantomLabel, type SizeBin } from './label.js';
import { writeNpy } from './npy.js';
import { ctSeriesFiles } from './write-ct.js';
import { radiographFiles } from './write-radiograph.js';
import { generateCxr, PTX_TYPES, type PtxType, type RadiographStudy } from './cxr.js';
import type { MemoryFile } from './dicom-common.js';
import { CT_VENDOR_IDS, CXR_VENDOR_IDS, type CtVendorId, type CxrVendorId } from './vendors.js';
import { SCANNER_STYLES, type ScannerStyle } from './varied-style.js';

export interface PhantomOptions {
  kind: PhantomKind;
  finding: PhantomFinding;
  seed: number;
  vendor?: string;
  sliceThicknessMm?: number;
  /**
   * CT matrix, or radiograph scale-down, for fast tests. A scaled-down radiograph is not a smaller
   * copy of the full-size one: its processing (range compression, edge enhancement, noise) does
   * not scale with the detector, so it looks like another device's (models/README.md,
   * pneumothorax-cxr). Fine for the plumbing; a model judged or trained on it is judged on that.
   */
  matrix?: number;
  noise?: NoiseLevel;
  size?: SizeBin;
  /** Subtype of the finding (intraparenchymal, segmental, apical...). */
  type?: string;
  /**
   * 'varied' (training splits only; head CT and radiograph): a scanner style drawn per study
   * around and between the training vendors, with more mimics (varied-style.ts). Default 'vendor'.
   */
  style?: ScannerStyle;
}

export interface WrittenPhantom {
  dir: string;
  label: PhantomLabel;
  files: string[];
}

/** A CT phantom (head CT or CTPA), for callers that need its volume. */
export function generateCtPhantom(opts: PhantomOptions): CtStudy {
  const study = generatePhantom(opts);
  if (study.form !== 'ct') throw new VigilError('BAD_REQUEST', `a ${opts.kind} phantom is not a CT`);
  return study;
}

/** Checks the combination and generates the study in memory. */
export function generatePhantom(opts: PhantomOptions): CtStudy | RadiographStudy {
  if (opts.finding !== 'none' && FINDING_OF_KIND[opts.kind] !== opts.finding) {
    throw new VigilError('BAD_REQUEST', `a ${opts.kind} phantom can carry finding "none" or "${FINDING_OF_KIND[opts.kind]}", not "${opts.finding}"`);
  }
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new VigilError('BAD_REQUEST', `seed must be a non-negative integer, got ${opts.seed}`);
  if (opts.kind === 'cxr' && opts.matrix !== undefined && (!Number.isInteger(opts.matrix) || opts.matrix < 1 || opts.matrix > 16)) {
    throw new VigilError('BAD_REQUEST', `for a radiograph, matrix is a scale-down factor from 1 to 16, got ${opts.matrix}`);
  }
  if (opts.kind !== 'cxr' && opts.matrix !== undefined && (!Number.isInteger(opts.matrix) || opts.matrix < 32 || opts.matrix > 1024)) {
    throw new VigilError('BAD_REQUEST', `matrix must be an integer from 32 to 1024, got ${opts.matrix}`);
  }
  if (opts.sliceThicknessMm !== undefined && !(opts.sliceThicknessMm >= 0.5 && opts.sliceThicknessMm <= 10)) {
    throw new VigilError('BAD_REQUEST', `slice thickness must be from 0.5 to 10 mm, got ${opts.sliceThicknessMm}`);
  }
  checkChoice('style', opts.style, SCANNER_STYLES);
  if (opts.style === 'varied' && opts.vendor !== undefined) {
    throw new VigilError('BAD_REQUEST', `a varied scanner style draws its own vendor: give style "varied" or vendor "${opts.vendor}", not both`);
  }
  if (opts.style === 'varied' && opts.kind === 'ctpa')
    throw new VigilError('BAD_REQUEST', 'the varied scanner style is drawn for head CT and radiographs, not for CTPA');
  switch (opts.kind) {
    case 'head-ct':
      checkChoice('vendor', opts.vendor, CT_VENDOR_IDS);
      checkChoice('type', opts.type, ICH_TYPES);
      return generateHeadCt({
        seed: opts.seed,
        finding: opts.finding === 'ich' ? 'ich' : 'none',
        vendor: opts.vendor as CtVendorId | undefined,
        sliceThicknessMm: opts.sliceThicknessMm,
        matrix: opts.matrix,
        noise: opts.noise,
        size: opts.size,
        ichType: opts.type as IchType | undefined,
        style: opts.style,
      });
    case 'ctpa':
      checkChoice('vendor', opts.vendor, CT_VENDOR_IDS);
      checkChoice('type', opts.type, PE_TYPES);
      return generateCtpa({
        seed: opts.seed,
        finding: opts.finding === 'pe' ? 'pe' : 'none',
        vendor: opts.vendor as CtVendorId | undefined,
        sliceThicknessMm: opts.sliceThicknessMm,
        matrix: opts.matrix,
        noise: opts.noise,
        size: opts.size,
        peType: opts.type as PeType | undefined,
      });
    case 'cxr':
      checkChoice('vendor', opts.vendor, CXR_VENDOR_IDS);
      checkChoice('type', opts.type, PTX_TYPES);
      if (opts.sliceThicknessMm !== undefined) throw new VigilError('BAD_REQUEST', 'a radiograph has no slice thickness');
      return generateCxr({
        seed: opts.seed,
        finding: opts.finding === 'pneumothorax' ? 'pneumothorax' : 'none',
        vendor: opts.vendor as CxrVendorId | undefined,
        scaleDown: opts.matrix,
        noise: opts.noise,
        size: opts.size,
        ptxType: opts.type as PtxType | undefined,
        style: opts.style,
      });
    default:
      return opts.kind satisfies never;
  }
}

function checkChoice(what: string, value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new VigilError('BAD_REQUEST', `unknown ${what} "${value}": expected one of ${allowed.join(', ')}`);
  }
}

/** Generates a phantom and its DICOM files in memory (training hands them to the pipeline unwritten). */
export function phantomInMemory(opts: PhantomOptions): { study: CtStudy | RadiographStudy; label: PhantomLabel; files: MemoryFile[] } {
  const study = generatePhantom(opts);
  // Every option that changes the pixels changes the UIDs: two different phantoms never share one.
  const uidKey = `${opts.kind}/${opts.finding}/${opts.seed}/${JSON.stringify(study.label.subgroup)}/${opts.matrix ?? ''}/${opts.type ?? ''}/${opts.size ?? ''}`;
  const { series, files } = study.form === 'ct' ? ctSeriesFiles(study, uidKey) : radiographFiles(study, uidKey);
  return { study, label: { ...study.label, series }, files };
}

/**
 * Generates a phantom and writes it to `dir`: the DICOM files, `label.json`, and with `arrays`
 * the training arrays: for CT `volume.npy` (HU as int16) and `mask.npy` (finding fraction 0-255),
 * both in the order of increasing z, i.e. the DICOM grid sorted along the slice normal; for a
 * radiograph `image.npy` (display values 0-1 as float32, 1 the brightest) and `mask.npy`.
 */
export function writePhantom(opts: PhantomOptions, dir: string, extra: { arrays?: boolean } = {}): WrittenPhantom {
  const { study, label, files } = phantomInMemory(opts);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
  fs.writeFileSync(path.join(dir, 'label.json'), `${JSON.stringify(label, null, 2)}\n`);
  if (extra.arrays && study.form === 'radiograph') {
    writeNpy(path.join(dir, 'image.npy'), study.image, [study.rows, study.columns]);
    writeNpy(path.join(dir, 'mask.npy'), study.mask, [study.rows, study.columns]);
  } else if (extra.arrays && study.form === 'ct') {
    const g = study.volume.geometry;
    const n = g.matrix;
    const slices = g.zPositionsMm.length;
    const hu = new Int16Array(slices * n * n);
    const mask = new Uint8Array(slices * n * n);
    study.volume.hu.forEach((s, k) => {
      for (let i = 0; i < s.length; i++) hu[k * n * n + i] = Math.max(-32768, Math.min(32767, Math.round(s[i]!)));
      mask.set(study.volume.mask[k]!, k * n * n);
    });
    writeNpy(path.join(dir, 'volume.npy'), hu, [slices, n, n]);
    writeNpy(path.join(dir, 'mask.npy'), mask, [slices, n, n]);
  }
  return { dir, label, files: label.series.files };
}
