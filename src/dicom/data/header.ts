import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import dcmjs, { type DicomDict } from 'dcmjs';
import { VigilError } from '../../core/errors.js';
import { describeError } from '../../log/describe-error.js';
import { compactHeader, HEADER_BYTES_LIMIT, isWalkable, markElisions, readFileMeta } from './header-compact.js';
import type { ByteSource } from './structure-check.js';

dcmjs.log.setLevel('error');

export const PIXEL_DATA_TAG = '7FE00010';
/** Reads of a file on disk fetch at least this much, so a walk through small elements reads few times. */
const FILE_READ_BYTES = 64 * 1024;

export interface ParsedHeader {
  /** File meta information (group 0002), DICOM JSON model keyed by tag. */
  meta: DicomDict;
  /** The data set up to, not including, Pixel Data. */
  dict: DicomDict;
  /** Keyword → value view of `dict` (dcmjs naturalized). */
  attrs: Record<string, unknown>;
}

/**
 * Parses the header of a Part 10 file without reading its pixels, in bounded memory whatever the
 * file holds: the file is walked through positioned reads and only a compact copy of its header
 * (large values left out, see header-compact.ts) is given to dcmjs.
 */
export async function readHeader(file: string): Promise<ParsedHeader> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    return await parseHeader(fileByteSource(handle.fd, size), () => handle.readFile());
  } finally {
    await handle.close();
  }
}

/**
 * Parses the header from any ByteSource (a file being received, a file on disk): the compact
 * copy for little-endian syntaxes; for deflated and big-endian ones, which are not walked, the
 * whole file read by `readWhole` when it is not larger than HEADER_BYTES_LIMIT.
 */
export async function parseHeader(source: ByteSource, readWhole: () => Promise<Buffer>): Promise<ParsedHeader> {
  const { transferSyntaxUid } = readFileMeta(source);
  if (!isWalkable(transferSyntaxUid)) {
    if (source.size > HEADER_BYTES_LIMIT) {
      throw new VigilError('DICOM_PARSE_FAILED', `a deflated or big-endian file over ${HEADER_BYTES_LIMIT / 1024 / 1024} MB is not parsed`);
    }
    return parsed(tryParse(await readWhole()));
  }
  const compact = compactHeader(source);
  const header = parsed(tryParse(compact.bytes));
  markElisions(header.dict, compact.elided);
  return header;
}

function parsed(attempt: ReturnType<typeof tryParse>): ParsedHeader {
  if ('error' in attempt) throw attempt.error;
  return attempt.header;
}

/** Positioned reads of an open file, 64 KB at a time at least. */
function fileByteSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(pos, atLeast) {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(Math.max(atLeast, FILE_READ_BYTES), size - pos)));
      const read = fsSync.readSync(fd, buf, 0, buf.length, pos);
      return buf.subarray(0, read);
    },
  };
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
