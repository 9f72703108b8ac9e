import type { CodedConcept, Finding } from '../domain/finding.js';

/**
 * Coding scheme names for the code systems model packs use: HL7 table 0396 and DICOM's coding
 * scheme designators agree on these; any other is local (the "99" prefix both allow).
 */
const CODING_SYSTEMS: Record<string, string> = {
  'http://snomed.info/sct': 'SCT',
  'http://radlex.org': 'RADLEX',
  'http://loinc.org': 'LN',
  'http://dicom.nema.org/resources/ontology/DCM': 'DCM',
};

/** Vigil's own codes (for what no standard code says as plainly), in HL7 and DICOM alike. */
export const LOCAL_CODING_SCHEME = '99VGL';

export function codingSchemeOf(system: string): string {
  return CODING_SYSTEMS[system] ?? LOCAL_CODING_SCHEME;
}

/** A finding concept as DICOM's code sequence item. */
export function dicomCode(concept: CodedConcept): Record<string, string> {
  return code(concept.code, codingSchemeOf(concept.system), concept.display);
}

/** A code sequence item; a code longer than 16 characters goes in Long Code Value (PS3.3 8.8). */
export function code(value: string, scheme: string, meaning: string): Record<string, string> {
  const codeValue: Record<string, string> = value.length > 16 ? { LongCodeValue: value } : { CodeValue: value };
  return { ...codeValue, CodingSchemeDesignator: scheme, CodeMeaning: meaning.slice(0, 64) };
}

/**
 * How abnormal a finding is, in the codes HL7 v2 table 0078 (OBX-8) and FHIR's
 * v3-ObservationInterpretation share: AA critically abnormal, A abnormal, N normal.
 */
export function interpretationOf(f: Finding): 'AA' | 'A' | 'N' {
  if (!f.positive) return 'N';
  return f.critical ? 'AA' : 'A';
}
