import type { PhantomKind } from './label.js';
import { Rng } from '../../core/random.js';

/** Identifiers that no one could take for a real person's. */
export interface SyntheticPatient {
  name: string;
  id: string;
  birthDate: string;
  sex: 'M' | 'F';
  ageYears: number;
  accession: string;
  studyDate: string;
  studyTime: string;
}

const KIND_CODE: Record<PhantomKind, string> = { 'head-ct': 'HCT', ctpa: 'CTPA', cxr: 'CXR' };

export function syntheticPatient(kind: PhantomKind, seed: number, ageYears: number): SyntheticPatient {
  const rng = new Rng(`${kind}/${seed}/patient`);
  const code = KIND_CODE[kind];
  const n = String(seed).padStart(6, '0');
  const studyDay = new Date(Date.UTC(2026, 0, 1) + (seed % 365) * 86_400_000);
  const birthYear = studyDay.getUTCFullYear() - ageYears;
  const ymd = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');
  return {
    name: `SYNTHETIC^PHANTOM ${code} ${n}`,
    id: `SYN-${code}-${n}`,
    birthDate: `${birthYear}0101`,
    sex: rng.chance(0.5) ? 'M' : 'F',
    ageYears,
    accession: `SYN${code}${n}`.slice(0, 16),
    studyDate: ymd(studyDay),
    studyTime: `${String(rng.int(0, 23)).padStart(2, '0')}${String(rng.int(0, 59)).padStart(2, '0')}00`,
  };
}
