import type { Finding } from '../domain/finding.js';
import { operatingPointLabel } from '../triage/operating-point-label.js';
import type { ReportedResult } from './reported-result.js';

/**
 * The words every alert carries, whatever the channel: what produced it and what it is not.
 * The models that ship are demonstrators trained on synthetic phantoms (src/ARCHITECTURE.md,
 * "Models at a site").
 */
export function aiNotice(f: Finding): string {
  return (
    `AI triage result, not a diagnosis: produced by model ${f.modelId} ${f.modelVersion} (device ${f.deviceUid}), ` +
    'a demonstrator AI device trained on synthetic data, not a cleared clinical device. ' +
    'A radiologist must read the study.'
  );
}

/**
 * One line about the finding (no patient data), for subjects, payloads and notes. It names the
 * operating point that decided it: shipped (with the pack) or the site's (with its version).
 */
export function findingSummary(f: Finding): string {
  const pct = (f.probability * 100).toFixed(1);
  return `${f.critical ? 'CRITICAL ' : ''}AI triage: possible ${f.concept.display} (probability ${pct}%, threshold ${(f.threshold * 100).toFixed(1)}% at the ${operatingPointLabel(f)})`;
}

/**
 * The caveat of a finding made on part of a series (a push cut short): what the model saw, so
 * that a negative is not read as covering images it never had. Null for a complete series.
 */
export function incompleteSeriesNote(f: Finding): string | null {
  const s = f.incompleteSeries;
  return s ? `Made on an incomplete series: ${s.images} of the ${s.announced} images its count tags announce had arrived when the model ran.` : null;
}

/**
 * What a message says about the result it reports, a line each: the finding, and for a
 * correction that it replaces an earlier message about the same result. A withdrawal says only
 * that the alert no longer stands (a negative's summary would read "possible ..." again).
 */
export function resultLines(r: ReportedResult): string[] {
  const f = r.finding;
  if (r.withdrawal) {
    const pct = (f.probability * 100).toFixed(1);
    return [
      `Withdrawn: model ${f.modelId} ${f.modelVersion}, run again on a later version of the series, no longer finds ${f.concept.display} ` +
        `(probability ${pct}%, below the threshold of ${(f.threshold * 100).toFixed(1)}%). The earlier AI alert for it no longer stands; the study still needs its reading.`,
    ];
  }
  const summary = findingSummary(f);
  if (r.status === 'preliminary') {
    return [
      summary,
      'Preliminary: made on part of the series while it was still arriving; the result on the complete series will confirm, correct or withdraw it.',
    ];
  }
  if (r.corrects) return [summary, 'Corrected: a later run of the model on this study changed this result; this replaces the earlier one.'];
  return r.follows ? [summary, 'Final: the complete series confirms the preliminary result sent earlier.'] : [summary];
}

/** The lines of resultLines as one text. */
export function resultText(r: ReportedResult): string {
  return resultLines(r)
    .map((line) => (line.endsWith('.') ? line : `${line}.`))
    .join(' ');
}
