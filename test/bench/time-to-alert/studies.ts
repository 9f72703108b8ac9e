import fs from 'node:fs';
import path from 'node:path';
import { readHeader } from '../../../src/dicom/data/header.js';
import { phantomInMemory, type PhantomOptions } from '../../../src/tools/phantom/phantom.js';

/** One kind of study the benchmark sends: the phantom, the model the shipped plugin routes it to. */
export interface StudyKind {
  id: 'head-ct' | 'ctpa' | 'cxr';
  label: string;
  modelId: string;
  phantom: (seed: number) => PhantomOptions;
  /** Radiographs carry no count tags: with completeness known, an MPPS step says it. */
  knownBy: 'count tags' | 'MPPS';
}

/**
 * Positives only, with large findings, so that (nearly) every study raises alerts: the demonstrator
 * packs miss many small ones, and a miss has no time to alert to measure.
 *
 * One scanner per kind (the phantom's vendor pinned): completeness is learned per sender (calling
 * AE, station, modality), and at a site a kind of study comes from the same few machines day after
 * day. With a vendor drawn per study, every radiograph came from a sender never seen before and
 * waited for the idle window, which measures a first day, not a site.
 */
export function studyKinds(ctMatrix: number, cxrScaleDown: number): StudyKind[] {
  return [
    {
      id: 'head-ct',
      label: 'head CT, ICH',
      modelId: 'stroke-ich',
      phantom: (seed) => ({ kind: 'head-ct', finding: 'ich', seed, matrix: ctMatrix, size: 'large', vendor: 'alpha' }),
      knownBy: 'count tags',
    },
    // Central: the pe-ctpa pack is made for them (it misses segmental ones, see its card).
    {
      id: 'ctpa',
      label: 'CTPA, central PE',
      modelId: 'pe-ctpa',
      phantom: (seed) => ({ kind: 'ctpa', finding: 'pe', seed, matrix: ctMatrix, size: 'large', type: 'central', vendor: 'beta' }),
      knownBy: 'count tags',
    },
    {
      id: 'cxr',
      label: 'chest radiograph, pneumothorax',
      modelId: 'pneumothorax-cxr',
      phantom: (seed) => ({ kind: 'cxr', finding: 'pneumothorax', seed, matrix: cxrScaleDown, size: 'large', vendor: 'gamma' }),
      knownBy: 'MPPS',
    },
  ];
}

/** A phantom study on disk, ready to send. */
export interface PreparedStudy {
  kind: StudyKind;
  seed: number;
  files: string[];
  seriesInstanceUid: string;
  sopClassUid: string;
  sopInstanceUids: string[];
  /** Slices (CT) or pixels per side (radiograph), for the output. */
  shape: string;
}

/**
 * Generates `count` phantoms of a kind into `dir` (before any clock starts; reused by every run),
 * seeds from `firstSeed` (the warm-up of MODES=none takes other seeds than the measured studies).
 * A study already in `dir` (its `study.json` written last) is read back instead of drawn again:
 * with STUDY_CACHE the phantoms can be drawn ahead, on a busy machine, and the timing run later.
 */
export async function prepareStudies(kind: StudyKind, count: number, dir: string, firstSeed = 1): Promise<PreparedStudy[]> {
  const out: PreparedStudy[] = [];
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const studyDir = path.join(dir, `${kind.id}-${seed}`);
    const record = path.join(studyDir, 'study.json');
    if (fs.existsSync(record)) {
      out.push({ kind, ...(JSON.parse(fs.readFileSync(record, 'utf8')) as Omit<PreparedStudy, 'kind'>) });
      continue;
    }
    const { study, label, files } = phantomInMemory(kind.phantom(seed));
    fs.mkdirSync(studyDir, { recursive: true });
    const written = files.map((f) => {
      const file = path.join(studyDir, f.name);
      fs.writeFileSync(file, f.bytes);
      return file;
    });
    const prepared: Omit<PreparedStudy, 'kind'> = {
      seed,
      files: written,
      seriesInstanceUid: label.series.seriesInstanceUid,
      sopClassUid: String((await readHeader(written[0]!)).attrs.SOPClassUID),
      sopInstanceUids: await Promise.all(written.map(async (f) => String((await readHeader(f)).attrs.SOPInstanceUID))),
      shape: study.form === 'ct' ? `${files.length} slices of ${study.volume.geometry.matrix}²` : `${study.rows} × ${study.columns}`,
    };
    fs.writeFileSync(record, JSON.stringify(prepared));
    out.push({ kind, ...prepared });
  }
  return out;
}
