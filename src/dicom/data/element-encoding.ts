/**
 * The few facts of the data element encoding (PS3.5 7) that the byte-level walkers share: the
 * structure check and the fast main-tag reader.
 */

/** A value length of 0xFFFFFFFF: the value runs to its delimiter (sequences, encapsulated pixels). */
export const UNDEFINED_LENGTH = 0xffffffff;
/** Item, item delimiter and sequence delimiter tags (FFFE,E000 / E00D / E0DD), as group << 16 | element. */
export const ITEM = 0xfffee000;
export const ITEM_DELIMITER = 0xfffee00d;
export const SEQUENCE_DELIMITER = 0xfffee0dd;
/** VRs whose explicit-VR header has two reserved bytes and a 4-byte length (PS3.5 7.1.2). */
export const LONG_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
/** Deeper nesting of sequences is taken for garbage, not for a data set. */
export const MAX_SEQUENCE_DEPTH = 16;
