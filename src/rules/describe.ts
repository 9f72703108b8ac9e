import type { AttributeRef } from './attributes.js';
import type { Lookup } from './facts.js';
import type { Literal } from './language.js';

/**
 * Words for explanations. Values of patient attributes are never quoted unless the caller asks
 * (the CLI, run by someone who holds the file): explanations are stored, returned by the API and
 * could otherwise end up in a log line or a screenshot.
 */
export interface DescribeOptions {
  showPatientData?: boolean;
}

const MAX_SHOWN_VALUES = 8;
const MAX_SHOWN_LENGTH = 64;

/** "SliceThickness is 7.5", "(0018,0050) is absent", "PatientAge has a value (not shown: patient data)". */
export function describeLookup(ref: AttributeRef, found: Lookup, opts: DescribeOptions): string {
  switch (found.kind) {
    case 'absent':
      return `${ref.label} is absent`;
    case 'empty':
      return `${ref.label} is present but empty`;
    case 'unreadable':
      return `${ref.label} holds ${found.what}, which rules cannot compare`;
    case 'values': {
      if (ref.patientData && !opts.showPatientData) {
        return `${ref.label} has ${found.values.length === 1 ? 'a value' : `${found.values.length} values`} (not shown: patient data)`;
      }
      const shown = found.values.slice(0, MAX_SHOWN_VALUES).map((v) => quote(v.text));
      const more = found.values.length > MAX_SHOWN_VALUES ? `\\… (${found.values.length} values)` : '';
      return `${ref.label} is ${shown.join('\\')}${more}`;
    }
    default:
      return found satisfies never;
  }
}

export function quote(text: string): string {
  const cut = text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH)}…` : text;
  return /^[\w.+-]+$/.test(cut) ? cut : JSON.stringify(cut);
}

export function literal(value: Literal): string {
  return typeof value === 'number' ? String(value) : quote(value);
}

export function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return min === max ? `= ${min}` : `between ${min} and ${max}`;
  if (max !== undefined) return `≤ ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  return 'any number';
}
