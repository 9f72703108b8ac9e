import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { TransferSyntax } from '../../dicom/data/uids.js';
import type { MemoryFile } from '../phantom/dicom-common.js';
import { phantomInMemory, type PhantomOptions } from '../phantom/phantom.js';
import { resourceIds } from '../../domain/resource-ids.js';
import { toJpegLsLossless } from './compress.js';
import { withFreshUids } from './fresh-uids.js';
import type { PerformedStep } from './mpps-scu.js';
import { mrBrainSeries } from './mr-series.js';

/** One study of the demo: what it is, what the node should make of it, and its files. */
export interface DemoStudy {
  /** Short stable key, e.g. `head-ct-ich`. */
  key: string;
  /** What a person reads on screen instead of the (synthetic) patient's name. */
  label: string;
  expected: {
    /** The model the default rules route it to; null: no rule routes it. */
    modelId: string | null;
    /** The finding the model should report; null when no model runs. */
    positive: boolean | null;
  };
  transferSyntax: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** The node's resource ids (SHA-1 of the UIDs, as the index computes them). */
  studyId: string;
  seriesId: string;
  /** The synthetic identifiers, so that tests can look for them where they must never be. */
  patient: { name: string; id: string; birthDate: string };
  files: MemoryFile[];
  /** The modality reports MPPS for it (a DX room): the node knows it is complete without waiting. */
  mpps: PerformedStep | null;
}

interface PhantomCase {
  key: string;
  label: string;
  modelId: string;
  phantom: PhantomOptions;
  compress?: 'jpeg-ls';
  /** Sent by a modality that reports MPPS. */
  mpps?: boolean;
}

/**
 * The phantoms: one positive and one normal of each kind, with options the demonstrator packs
 * judge reliably (large findings, the packs' own matrix; test/models/demonstrator-packs.test.ts).
 * Small CT matrices keep the demo and its test quick on a laptop; radiographs are drawn at the
 * full detector size, as pneumothorax-cxr is trained from 1.1.0 (at half size the generator's
 * processing makes them look like another device's: models/README.md). Normals have seeds of
 * their own, so that no two studies share a patient and accession number.
 * Measured with the shipped packs at their default operating points: head CT ICH 1.000 and
 * normal 0.126 against 0.932 (stroke-ich 1.1.0); CTPA central PE 1.000 and normal 0.011 against
 * 0.127 (pe-ctpa 1.0.0); radiograph pneumothorax 0.990 and normal 0.117 against 0.963
 * (pneumothorax-cxr 1.1.0).
 */
export const PHANTOM_CASES: readonly PhantomCase[] = [
  {
    key: 'head-ct-ich',
    label: 'head CT, ICH',
    modelId: 'stroke-ich',
    phantom: { kind: 'head-ct', finding: 'ich', seed: 5001, vendor: 'alpha', sliceThicknessMm: 5, matrix: 256, size: 'large', type: 'intraparenchymal' },
  },
  {
    key: 'head-ct-normal',
    label: 'head CT, normal',
    modelId: 'stroke-ich',
    phantom: { kind: 'head-ct', finding: 'none', seed: 5101, vendor: 'alpha', sliceThicknessMm: 5, matrix: 256 },
  },
  {
    key: 'ctpa-pe',
    label: 'CTPA, PE',
    modelId: 'pe-ctpa',
    phantom: { kind: 'ctpa', finding: 'pe', seed: 5003, vendor: 'alpha', sliceThicknessMm: 2.5, matrix: 256, size: 'large', type: 'central' },
  },
  {
    key: 'ctpa-normal',
    label: 'CTPA, normal',
    modelId: 'pe-ctpa',
    phantom: { kind: 'ctpa', finding: 'none', seed: 5103, vendor: 'alpha', sliceThicknessMm: 2.5, matrix: 256 },
  },
  {
    key: 'cxr-pneumothorax-jls',
    label: 'chest X-ray, pneumothorax (JPEG-LS)',
    modelId: 'pneumothorax-cxr',
    phantom: { kind: 'cxr', finding: 'pneumothorax', seed: 5004, vendor: 'alpha', matrix: 1, size: 'large', type: 'apical' },
    compress: 'jpeg-ls',
    mpps: true,
  },
  {
    key: 'cxr-normal',
    label: 'chest X-ray, normal',
    modelId: 'pneumothorax-cxr',
    phantom: { kind: 'cxr', finding: 'none', seed: 5104, vendor: 'alpha', matrix: 1 },
    mpps: true,
  },
];

/** The model packs the demo needs, one per kind of phantom. */
export const DEMO_MODEL_IDS: readonly string[] = [...new Set(PHANTOM_CASES.map((c) => c.modelId))];

export const MR_CASE = { key: 'mr-brain', label: 'MR brain (no rule)', seed: 7001 } as const;

/** Every key of the demo set, in the order the studies are sent. */
export const DEMO_KEYS: readonly string[] = [...PHANTOM_CASES.map((c) => c.key), MR_CASE.key];

export interface DemoSetOptions {
  /** Leave out the studies of these models (the caller says why on screen); the MR study is always in. */
  skipModels?: readonly string[];
  /** Give every study new UIDs derived from this (each demo run sends new studies); none: the phantoms' own. */
  uidSalt?: string;
  /** Called as each study is ready (generation takes seconds). */
  onStudy?: (study: DemoStudy) => void;
}

/** Generates the demo set in memory, in sending order. */
export async function buildDemoSet(opts: DemoSetOptions = {}): Promise<DemoStudy[]> {
  const out: DemoStudy[] = [];
  const add = (s: DemoStudy): void => {
    out.push(s);
    opts.onStudy?.(s);
  };
  for (const c of PHANTOM_CASES) {
    if (opts.skipModels?.includes(c.modelId)) continue;
    const { study, label, files } = phantomInMemory(c.phantom);
    const fresh = fresher(files, label.series, opts.uidSalt);
    const compressed = c.compress === 'jpeg-ls' ? await Promise.all(fresh.files.map(toJpegLsLossless)) : fresh.files;
    const p = study.patient;
    add({
      key: c.key,
      label: c.label,
      expected: { modelId: c.modelId, positive: c.phantom.finding !== 'none' },
      transferSyntax: c.compress === 'jpeg-ls' ? TransferSyntax.JpegLsLossless : TransferSyntax.ExplicitVRLittleEndian,
      ...fresh.uids,
      ...ids(p.id, fresh.uids.studyInstanceUid, fresh.uids.seriesInstanceUid),
      patient: { name: p.name, id: p.id, birthDate: p.birthDate },
      files: compressed,
      mpps: c.mpps ? performedStep(compressed) : null,
    });
  }
  const mr = mrBrainSeries(MR_CASE.seed);
  const fresh = fresher(mr.files, { studyInstanceUid: mr.studyInstanceUid, seriesInstanceUid: mr.seriesInstanceUid }, opts.uidSalt);
  add({
    key: MR_CASE.key,
    label: MR_CASE.label,
    expected: { modelId: null, positive: null },
    transferSyntax: TransferSyntax.ExplicitVRLittleEndian,
    ...fresh.uids,
    ...ids(mr.patient.id, fresh.uids.studyInstanceUid, fresh.uids.seriesInstanceUid),
    patient: { name: mr.patient.name, id: mr.patient.id, birthDate: mr.patient.birthDate },
    files: fresh.files,
    mpps: null,
  });
  return out;
}

type SeriesUids = { studyInstanceUid: string; seriesInstanceUid: string };

function fresher(files: MemoryFile[], uids: SeriesUids, salt: string | undefined): { files: MemoryFile[]; uids: SeriesUids } {
  if (salt === undefined) return { files, uids: { studyInstanceUid: uids.studyInstanceUid, seriesInstanceUid: uids.seriesInstanceUid } };
  const fresh = withFreshUids(files, salt);
  return { files: fresh.files, uids: { studyInstanceUid: fresh.map(uids.studyInstanceUid), seriesInstanceUid: fresh.map(uids.seriesInstanceUid) } };
}

/** The step a modality reports for these files, from their headers. */
export function performedStep(files: readonly MemoryFile[]): PerformedStep {
  const headers = files.map((f) => {
    const { dict } = dcmjs.data.DicomMessage.readFile(f.bytes.buffer.slice(f.bytes.byteOffset, f.bytes.byteOffset + f.bytes.byteLength) as ArrayBuffer, {
      untilTag: '7FE00010',
    });
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict) as Record<string, string>;
  });
  const h = headers[0]!;
  return {
    studyInstanceUid: h.StudyInstanceUID!,
    seriesInstanceUid: h.SeriesInstanceUID!,
    seriesDescription: h.SeriesDescription ?? '',
    modality: h.Modality!,
    accessionNumber: h.AccessionNumber ?? '',
    patient: { name: personName(h.PatientName), id: h.PatientID ?? '', birthDate: h.PatientBirthDate ?? '', sex: h.PatientSex ?? '' },
    sopClassUid: h.SOPClassUID!,
    sopInstanceUids: headers.map((x) => x.SOPInstanceUID!),
  };
}

/** dcmjs gives a person name as text or as `[{ Alphabetic }]`, depending on how it was read. */
function personName(value: unknown): string {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (first && typeof first === 'object') {
    const alphabetic = (first as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' ? alphabetic : '';
  }
  return typeof first === 'string' ? first : '';
}

function ids(patientId: string, study: string, series: string): { studyId: string; seriesId: string } {
  const r = resourceIds({ patientId, study, series, instance: '' });
  return { studyId: r.study, seriesId: r.series };
}

/** Writes each study to `dir/<key>/`; returns the file paths per study key, in sending order. */
export function writeDemoSet(studies: readonly DemoStudy[], dir: string): Map<string, string[]> {
  const written = new Map<string, string[]>();
  for (const s of studies) {
    const folder = path.join(dir, s.key);
    fs.mkdirSync(folder, { recursive: true });
    written.set(
      s.key,
      s.files.map((f) => {
        const file = path.join(folder, f.name);
        fs.writeFileSync(file, f.bytes);
        return file;
      }),
    );
  }
  return written;
}
