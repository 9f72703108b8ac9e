import fs from 'node:fs/promises';
import dcmjs, { type DicomDict } from 'dcmjs';
import { VigilError } from '../errors.js';
import { describeError } from '../log/describe-error.js';

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
      const whole = bytesRead >= size;
      const attempt = tryParse(buf.subarray(0, bytesRead));
      if ('header' in attempt && (attempt.reachedPixelData || whole)) return attempt.header;
      if (whole) throw (attempt as { error: VigilError }).error;
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
  const whole = prefix.length >= fileSize;
  const attempt = tryParse(prefix);
  // A prefix that ends between two elements parses "successfully" but short: only a parse that
  // got to Pixel Data, or one of the whole file, has every attribute of the header.
  if ('header' in attempt && (attempt.reachedPixelData || whole)) return attempt.header;
  if (!whole) return undefined;
  throw (attempt as { error: VigilError }).error;
}

function tryParse(buf: Buffer): { header: ParsedHeader; reachedPixelData: boolean } | { error: VigilError } {
  if (buf.length < 132 || buf.toString('latin1', 128, 132) !== 'DICM') {
    return { error: new VigilError('DICOM_PARSE_FAILED', 'not a DICOM Part 10 file (no DICM prefix)') };
  }
  try {
    const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    const message = readWithAnyCharacterSet(arrayBuffer);
    const reachedPixelData = PIXEL_DATA_TAG in message.dict;
    delete message.dict[PIXEL_DATA_TAG];
    const attrs = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
    return { header: { meta: message.meta, dict: message.dict, attrs }, reachedPixelData };
  } catch (err) {
    return {
      error: new VigilError('DICOM_PARSE_FAILED', `data set could not be parsed (${describeError(err)})`, { cause: err }),
    };
  }
}

/**
 * dcmjs refuses a data set whose Specific Character Set it does not support, or that names
 * several (ISO 2022 code extensions: every Japanese "\ISO 2022 IR 87" header). Such an instance
 * must still be stored as it came: it is read again with dcmjs's lenient mode, which decodes its
 * text with the first (default) character set. ASCII values, the UIDs among them, read right;
 * names in the other scripts come out garbled in the index, never in the stored file.
 */
function readWithAnyCharacterSet(arrayBuffer: ArrayBuffer): ReturnType<typeof dcmjs.data.DicomMessage.readFile> {
  const options = { untilTag: PIXEL_DATA_TAG, includeUntilTagValue: false };
  try {
    return dcmjs.data.DicomMessage.readFile(arrayBuffer, options);
  } catch (err) {
    if (!/character set/i.test((err as Error).message)) throw err;
    return dcmjs.data.DicomMessage.readFile(arrayBuffer, { ...options, ignoreErrors: true });
  }
}
