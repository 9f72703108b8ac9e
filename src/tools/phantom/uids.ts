import { derivedUid } from '../../dicom/data/uids.js';

/** Deterministic UIDs: the same phantom always gets the same UIDs, different phantoms never share one. */
export function phantomUid(...parts: (string | number)[]): string {
  return derivedUid('vigil-phantom', ...parts);
}
