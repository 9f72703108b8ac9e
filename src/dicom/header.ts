import fs from 'node:fs/promises';
import dcmjs, { type DicomDict } from 'dcmjs';
import { VigilError } from '../errors.js';

dcmjs.log.setLevel('error');

export const PIXEL_DATA_TAG = '7FE00010';
const FIRST_READ_BYTES = 16 * 1024;

export interface ParsedHeader {
  /** File meta information (group 0002), DICOM JSON model keyed by tag. */
  meta: DicomDict;
  /** The data set up to, not including, Pixel Data. */
  dict: DicomDict;
  /** Keyword → value view of `dict` (dcmjs naturalized). */
  attrs: Record<string, unknown>;
}

/**
 * Parses the header of a Part 10 file without reading its pixels: it reads a small prefix and
 * grows it only when the header is longer (large sequences, or objects with no pixel data).
 */
export async function readHeader(file: string): Promise<ParsedHeader> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    let length = Math.min(size, FIRST_READ_BYTES);
    for (;;) {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buf, 0, length, 0);
      const attempt = tryParse(buf.subarray(0, bytesRead));
      if ('header' in attempt) return attempt.header;
      if (bytesRead >= size) throw attempt.error;
      length = Math.min(size, length * 8);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Parses the header from the first bytes of a file already in memory. Returns undefined when
 * the header runs past them (the caller then reads the file); throws when it cannot be parsed.
 */
export function parseHeaderPrefix(prefix: Buffer, fileSize: number): ParsedHeader | undefined {
  const attempt = tryParse(prefix);
  if ('header' in attempt) return attempt.header;
  if (prefix.length < fileSize) return undefined;
  throw attempt.error;
}

function tryParse(buf: Buffer): { header: ParsedHeader } | { error: VigilError } {
  if (buf.length < 132 || buf.toString('latin1', 128, 132) !== 'DICM') {
    return { error: new VigilError('DICOM_PARSE_FAILED', 'not a DICOM Part 10 file (no DICM prefix)') };
  }
  try {
    const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    const message = dcmjs.data.DicomMessage.readFile(arrayBuffer, {
      untilTag: PIXEL_DATA_TAG,
      includeUntilTagValue: false,
    });
    delete message.dict[PIXEL_DATA_TAG];
    const attrs = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
    return { header: { meta: message.meta, dict: message.dict, attrs } };
  } catch (err) {
    return {
      error: new VigilError('DICOM_PARSE_FAILED', `data set could not be parsed: ${(err as Error).message}`, { cause: err }),
    };
  }
}
