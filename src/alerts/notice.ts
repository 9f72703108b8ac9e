import type { Finding } from '../triage/finding.js';

/**
 * The words every alert carries, whatever the channel: what produced it and what it is not.
 * The models that ship are demonstrators trained on synthetic phantoms (DESIGN.md, Models).
 */
export function aiNotice(f: Finding): string {
  return (
    `AI triage result, not a diagnosis: produced by model ${f.modelId} ${f.modelVersion} (device ${f.deviceUid}), ` +
    'a demonstrator AI device trained on synthetic data, not a cleared clinical device. ' +
    'A radiologist must read the study.'
  );
}

/** One line about the finding (no patient data), for subjects, payloads and notes. */
export function findingSummary(f: Finding): string {
  const pct = (f.probability * 100).toFixed(1);
  return `${f.critical ? 'CRITICAL ' : ''}AI triage: possible ${f.concept.display} (probability ${pct}%, threshold ${(f.threshold * 100).toFixed(1)}% at operating point ${f.operatingPoint.name})`;
}

/**
 * The caveat of a finding made on part of a series (a push cut short): what the model saw, so
 * that a negative is not read as covering images it never had. Null for a complete series.
 */
export function incompleteSeriesNote(f: Finding): string | null {
  const s = f.incompleteSeries;
  return s ? `Made on an incomplete series: ${s.images} of the ${s.announced} images its count tags announce had arrived when the model ran.` : null;
}
