import type { DicomDict, DicomJsonElement } from 'dcmjs';

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const INLINE_LIMIT = 1024;

/**
 * The DICOM JSON model (PS3.18 F.2) of a parsed header, safe to serialise: small binary
 * values are inlined as base64, large ones are described by their length only.
 */
export function toDicomJson(dict: DicomDict): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [tag, element] of Object.entries(dict)) out[tag] = convertElement(element);
  return out;
}

function convertElement(element: DicomJsonElement): Record<string, unknown> {
  const { vr, Value } = element;
  // A value left out when the header was parsed (too long to read into memory): its length only.
  if (element.BulkDataLength !== undefined) return { vr, BulkDataLength: element.BulkDataLength };
  if (vr === 'SQ') {
    return { vr, Value: (Value ?? []).map((item) => toDicomJson(item as DicomDict)) };
  }
  if (BINARY_VRS.has(vr)) {
    const buffers = (Value ?? []).filter((v): v is ArrayBuffer => v instanceof ArrayBuffer);
    const length = buffers.reduce((n, b) => n + b.byteLength, 0);
    if (length <= INLINE_LIMIT) return { vr, InlineBinary: Buffer.concat(buffers.map((b) => Buffer.from(b))).toString('base64') };
    return { vr, BulkDataLength: length };
  }
  return Value === undefined ? { vr } : { vr, Value };
}
