import dcmjs, { type DicomDict } from 'dcmjs';
import { VigilError } from '../../core/errors.js';
import { DECODABLE_TRANSFER_SYNTAXES, TransferSyntax } from '../../dicom/data/uids.js';
import { bytesOf, groupItem, items, num, nums, str, strs, Tag, values } from './tags.js';
import { describeError } from '../../log/describe-error.js';

dcmjs.log.setLevel('error');
// Implicit VR files name Pixel Data's VR "ox" in dcmjs's dictionary; its validation logger then
// prints an error to stderr for every such file (and reads it as OW, which is right here).
dcmjs.log.getLogger?.('validation.dcmjs').setLevel('silent');

export type Vec3 = [number, number, number];

/** How one frame's pixels are stored. */
export interface PixelFormat {
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  samplesPerPixel: number;
  photometric: string;
}

/** The image's own VOI: a LUT, else windows; used by the radiograph `header` VOI and key images. */
export interface VoiInfo {
  windows: { center: number; width: number }[];
  func: string;
  lut: { first: number; data: Float64Array } | null;
}

/** One 2-D image: a single-frame instance, or one frame of a multi-frame instance. */
export interface SourceImage {
  /** Index of the file in the list given to the pipeline. */
  file: number;
  sopInstanceUid: string;
  /** 0-based frame number inside its instance. */
  frame: number;
  modality: string;
  imageType: string[];
  position: Vec3 | null;
  /** Row direction (increasing column index), then column direction (increasing row index). */
  orientation: [Vec3, Vec3] | null;
  /** [between rows, between columns], mm, as Pixel Spacing gives it. */
  pixelSpacing: [number, number] | null;
  imagerPixelSpacing: [number, number] | null;
  magnification: number | null;
  slope: number;
  intercept: number;
  voi: VoiInfo;
  format: PixelFormat;
  /** The frame's encoded bytes (native pixels or one compressed frame), not copied where possible. */
  encoded(): Uint8Array;
}

const DECODABLE = new Set<string>(DECODABLE_TRANSFER_SYNTAXES);

export function isNative(ts: string): boolean {
  return ts === TransferSyntax.ExplicitVRLittleEndian || ts === TransferSyntax.ImplicitVRLittleEndian;
}

/**
 * Reads the images of one Part 10 file. An object without pixel data (a dose report, an SR)
 * gives none. Multi-frame objects give one image per frame with its per-frame functional groups
 * (else the shared ones).
 */
export function readImages(buf: Uint8Array, file: number): SourceImage[] {
  if (buf.length < 132 || buf[128] !== 0x44 || buf[129] !== 0x49 || buf[130] !== 0x43 || buf[131] !== 0x4d) {
    throw new VigilError('DICOM_PARSE_FAILED', `file ${file} is not a DICOM Part 10 file`);
  }
  const arrayBuffer =
    buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength
      ? (buf.buffer as ArrayBuffer)
      : (buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  let message;
  try {
    message = dcmjs.data.DicomMessage.readFile(arrayBuffer, { noCopy: true });
  } catch (err) {
    throw new VigilError('DICOM_PARSE_FAILED', `file ${file} could not be parsed (${describeError(err)})`, { cause: err });
  }
  const { dict, meta } = message;
  const pixelValues = values(dict, Tag.PixelData);
  if (pixelValues.length === 0) return [];
  const ts = str(meta, Tag.TransferSyntaxUid) ?? '';
  if (!DECODABLE.has(ts)) throw new VigilError('TRIAGE_UNSUPPORTED_TRANSFER_SYNTAX', `file ${file}: transfer syntax ${ts || '(none)'} is not decodable`);

  const format = pixelFormat(dict, ts, file);
  const frameCount = Math.max(1, num(dict, Tag.NumberOfFrames) ?? 1);
  const frames = isNative(ts) ? nativeFrames(pixelValues, format, frameCount, file) : encapsulatedFrames(pixelValues, ts, frameCount, file);
  const shared = items(dict, Tag.SharedFunctionalGroups)[0];
  const perFrame = items(dict, Tag.PerFrameFunctionalGroups);
  if (frameCount > 1 && perFrame.length !== frameCount && shared === undefined) {
    throw new VigilError('TRIAGE_INCONSISTENT_GEOMETRY', `file ${file}: ${frameCount} frames without per-frame functional groups`);
  }
  const base = {
    file,
    sopInstanceUid: str(dict, Tag.SopInstanceUid) ?? '',
    modality: str(dict, Tag.Modality) ?? '',
    imageType: strs(dict, Tag.ImageType),
    imagerPixelSpacing: pair(nums(dict, Tag.ImagerPixelSpacing)),
    magnification: num(dict, Tag.EstimatedRadiographicMagnificationFactor) ?? null,
    format,
  };
  const out: SourceImage[] = [];
  for (let f = 0; f < frameCount; f++) {
    // Functional groups (enhanced objects) win over the top-level attributes (classic objects).
    const own = perFrame[f];
    const pick = (sequence: string): DicomDict | undefined => groupItem(own, sequence) ?? groupItem(shared, sequence);
    const positionItem = pick(Tag.PlanePositionSequence);
    const orientationItem = pick(Tag.PlaneOrientationSequence);
    const measures = pick(Tag.PixelMeasuresSequence);
    const transform = pick(Tag.PixelValueTransformationSequence);
    const voiItem = pick(Tag.FrameVoiLutSequence);
    const frameBytes = frames[f]!;
    out.push({
      ...base,
      frame: f,
      position: vec3(nums(positionItem ?? dict, Tag.ImagePositionPatient)),
      orientation: orientation(nums(orientationItem ?? dict, Tag.ImageOrientationPatient)),
      pixelSpacing: pair(nums(measures ?? dict, Tag.PixelSpacing)),
      slope: num(transform ?? dict, Tag.RescaleSlope) ?? 1,
      intercept: num(transform ?? dict, Tag.RescaleIntercept) ?? 0,
      voi: voiInfo(voiItem ?? dict),
      encoded: frameBytes,
    });
  }
  return out;
}

function pixelFormat(dict: DicomDict, ts: string, file: number): PixelFormat {
  const rows = num(dict, Tag.Rows);
  const columns = num(dict, Tag.Columns);
  const bitsAllocated = num(dict, Tag.BitsAllocated);
  if (!rows || !columns || !bitsAllocated) throw new VigilError('DICOM_MISSING_ATTRIBUTE', `file ${file}: Rows, Columns or Bits Allocated missing`);
  const format: PixelFormat = {
    transferSyntaxUid: ts,
    rows,
    columns,
    bitsAllocated,
    bitsStored: num(dict, Tag.BitsStored) ?? bitsAllocated,
    signed: num(dict, Tag.PixelRepresentation) === 1,
    samplesPerPixel: num(dict, Tag.SamplesPerPixel) ?? 1,
    photometric: str(dict, Tag.PhotometricInterpretation) ?? '',
  };
  if (format.samplesPerPixel !== 1 || (format.photometric !== 'MONOCHROME1' && format.photometric !== 'MONOCHROME2')) {
    throw new VigilError(
      'TRIAGE_UNSUPPORTED_PIXELS',
      `file ${file}: ${format.photometric || 'no'} photometric interpretation with ${format.samplesPerPixel} samples; greyscale (MONOCHROME1/2) only`,
    );
  }
  if (![8, 16, 32].includes(bitsAllocated) || format.bitsStored < 1 || format.bitsStored > bitsAllocated) {
    throw new VigilError('TRIAGE_UNSUPPORTED_PIXELS', `file ${file}: ${format.bitsStored} bits stored in ${bitsAllocated} allocated`);
  }
  return format;
}

function nativeFrames(pixelValues: unknown[], format: PixelFormat, frameCount: number, file: number): (() => Uint8Array)[] {
  const bytes = bytesOf(pixelValues[0]);
  const frameBytes = (format.rows * format.columns * format.bitsAllocated) / 8;
  if (!bytes || bytes.byteLength < frameBytes * frameCount) {
    throw new VigilError('TRIAGE_CORRUPT_FRAME', `file ${file}: pixel data holds ${bytes?.byteLength ?? 0} bytes, ${frameBytes * frameCount} expected`);
  }
  return Array.from({ length: frameCount }, (_, f) => () => bytes.subarray(f * frameBytes, (f + 1) * frameBytes));
}

/**
 * dcmjs gives one entry per frame when the Basic Offset Table is filled (an entry may itself be a
 * list of fragments), else one entry per fragment. Without a table, fragments are grouped into
 * frames by the codestream start markers (JPEG family: FFD8, JPEG 2000: FF4F), as PS3.5 A.4
 * allows a frame to span fragments.
 */
function encapsulatedFrames(pixelValues: unknown[], ts: string, frameCount: number, file: number): (() => Uint8Array)[] {
  const entries = pixelValues.map((v) => (Array.isArray(v) ? v.map((f) => mustBytes(f, file)) : [mustBytes(v, file)]));
  let frames: Uint8Array[][];
  if (entries.length === frameCount) frames = entries;
  else if (frameCount === 1) frames = [entries.flat()];
  else if (ts !== TransferSyntax.RleLossless) frames = groupByStartMarker(entries.flat());
  else frames = [];
  if (frames.length !== frameCount) {
    throw new VigilError('TRIAGE_CORRUPT_FRAME', `file ${file}: ${frameCount} frames declared, ${frames.length} found in the encapsulated pixel data`);
  }
  return frames.map((parts) => () => concat(parts));
}

function groupByStartMarker(fragments: Uint8Array[]): Uint8Array[][] {
  const frames: Uint8Array[][] = [];
  for (const fragment of fragments) {
    const starts = fragment[0] === 0xff && (fragment[1] === 0xd8 || fragment[1] === 0x4f);
    if (starts || frames.length === 0) frames.push([fragment]);
    else frames[frames.length - 1]!.push(fragment);
  }
  return frames;
}

function mustBytes(v: unknown, file: number): Uint8Array {
  const bytes = bytesOf(v);
  if (!bytes) throw new VigilError('TRIAGE_CORRUPT_FRAME', `file ${file}: unreadable pixel data fragment`);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function voiInfo(dict: DicomDict): VoiInfo {
  const centers = nums(dict, Tag.WindowCenter);
  const widths = nums(dict, Tag.WindowWidth);
  const windows = centers.flatMap((center, i) => (widths[i] !== undefined && widths[i] > 0 ? [{ center, width: widths[i] }] : []));
  const lutItem = items(dict, Tag.VoiLutSequence)[0];
  return { windows, func: str(dict, Tag.VoiLutFunction) ?? 'LINEAR', lut: lutItem ? lutOf(lutItem) : null };
}

/** LUT Descriptor: entries (0 means 65536), first mapped value, bits; LUT Data as US values or OW bytes. */
function lutOf(item: DicomDict): VoiInfo['lut'] {
  const [entries, first] = nums(item, Tag.LutDescriptor);
  if (entries === undefined || first === undefined) return null;
  const count = entries === 0 ? 65536 : entries;
  const raw = values(item, Tag.LutData);
  let data: number[] | Uint16Array;
  const bytes = bytesOf(raw[0]);
  if (bytes) data = new Uint16Array(bytes.slice().buffer, 0, Math.floor(bytes.byteLength / 2));
  else data = raw.filter((v): v is number => typeof v === 'number');
  if (data.length < count) return null;
  return { first, data: Float64Array.from(data.slice(0, count)) };
}

function vec3(v: number[]): Vec3 | null {
  return v.length === 3 ? [v[0]!, v[1]!, v[2]!] : null;
}

function pair(v: number[]): [number, number] | null {
  return v.length === 2 && v[0]! > 0 && v[1]! > 0 ? [v[0]!, v[1]!] : null;
}

function orientation(v: number[]): [Vec3, Vec3] | null {
  return v.length === 6
    ? [
        [v[0]!, v[1]!, v[2]!],
        [v[3]!, v[4]!, v[5]!],
      ]
    : null;
}
