/** The node's version, as published in /system and the DICOM implementation version name. */
export const VERSION = '0.1.0';
