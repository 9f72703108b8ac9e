import fc from 'fast-check';

/**
 * Text as a patient name or a study description may hold it: any grapheme, and often the
 * characters that matter to HL7 v2 (delimiters, line breaks, MLLP's frame bytes), which arbitrary
 * graphemes almost never are.
 */
export const hl7Text = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', '\t', 'a', ' ', 'é', '李'), maxLength: 12 }),
);
