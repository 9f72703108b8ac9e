import type Codecs from 'dcmjs-codecs';
import { VigilError } from '../../core/errors.js';
import { TransferSyntax } from '../../dicom/data/uids.js';
import { isNative, type PixelFormat, type SourceImage } from './dataset.js';

/** Stored pixel values of one frame, in the narrowest array that holds them. */
export type StoredPixels = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

let codecs: typeof Codecs | undefined;
let ready: Promise<void> | undefined;

/**
 * Loads the codecs' WebAssembly, once per thread and only when a compressed image comes: it
 * costs each triage worker some 30 MB, which series sent uncompressed never need.
 */
export function initCodecs(): Promise<void> {
  ready ??= import('dcmjs-codecs').then(async ({ default: loaded }) => {
    await loaded.NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    codecs = loaded;
  });
  return ready;
}

type Decoder = 'decodeJpeg' | 'decodeJpegLs' | 'decodeJpeg2000' | 'decodeRle';
const DECODERS: Record<string, Decoder> = {
  [TransferSyntax.JpegBaseline]: 'decodeJpeg',
  [TransferSyntax.JpegExtended]: 'decodeJpeg',
  [TransferSyntax.JpegLossless]: 'decodeJpeg',
  [TransferSyntax.JpegLosslessSV1]: 'decodeJpeg',
  [TransferSyntax.JpegLsLossless]: 'decodeJpegLs',
  [TransferSyntax.JpegLsNearLossless]: 'decodeJpegLs',
  [TransferSyntax.Jpeg2000Lossless]: 'decodeJpeg2000',
  [TransferSyntax.Jpeg2000]: 'decodeJpeg2000',
  [TransferSyntax.RleLossless]: 'decodeRle',
};

/**
 * Decodes one frame to its stored values: native pixels are viewed in place, compressed ones go
 * through dcmjs-codecs (call `initCodecs` first). Bits above Bits Stored are masked off and
 * signed values sign-extended, so the result is the value the modality LUT applies to.
 */
export function decodeFrame(image: SourceImage): StoredPixels {
  const { format } = image;
  const ts = format.transferSyntaxUid;
  let bytes: Uint8Array;
  if (isNative(ts)) {
    bytes = image.encoded();
  } else {
    const decoder = DECODERS[ts];
    if (!decoder) throw new VigilError('TRIAGE_UNSUPPORTED_TRANSFER_SYNTAX', `transfer syntax ${ts} is not decodable`);
    if (!codecs) throw new Error('decodeFrame: initCodecs() must have completed before a compressed frame is decoded');
    const { NativeCodecs, Context } = codecs;
    try {
      const context = new Context({
        width: format.columns,
        height: format.rows,
        bitsAllocated: format.bitsAllocated,
        bitsStored: format.bitsStored,
        samplesPerPixel: 1,
        pixelRepresentation: format.signed ? 1 : 0,
        photometricInterpretation: format.photometric,
        encodedBuffer: image.encoded(),
      });
      bytes = NativeCodecs[decoder](context, {}).getDecodedBuffer() ?? new Uint8Array(0);
    } catch (err) {
      throw new VigilError('TRIAGE_CORRUPT_FRAME', `frame ${image.frame} of file ${image.file} could not be decoded`, { cause: err });
    }
  }
  const expected = (format.rows * format.columns * format.bitsAllocated) / 8;
  if (bytes.byteLength < expected) {
    throw new VigilError('TRIAGE_CORRUPT_FRAME', `frame ${image.frame} of file ${image.file} decoded to ${bytes.byteLength} bytes, ${expected} expected`);
  }
  return fitBits(view(bytes.subarray(0, expected), format), format);
}

function view(bytes: Uint8Array, format: PixelFormat): StoredPixels {
  const width = format.bitsAllocated / 8;
  // A typed array needs its byte offset aligned to its element size; copy only when it is not.
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset } = aligned;
  const length = aligned.byteLength / width;
  switch (format.bitsAllocated) {
    case 8:
      return format.signed ? new Int8Array(buffer, byteOffset, length) : aligned;
    case 16:
      return format.signed ? new Int16Array(buffer, byteOffset, length) : new Uint16Array(buffer, byteOffset, length);
    case 32:
      return format.signed ? new Int32Array(buffer, byteOffset, length) : new Uint32Array(buffer, byteOffset, length);
    default:
      throw new VigilError('TRIAGE_UNSUPPORTED_PIXELS', `${format.bitsAllocated} bits allocated`);
  }
}

/** Masks bits above Bits Stored (overlays, garbage) and sign-extends, into a fresh array. */
function fitBits(pixels: StoredPixels, format: PixelFormat): StoredPixels {
  const bits = format.bitsStored;
  if (bits >= format.bitsAllocated) return pixels;
  const out = pixels instanceof Int8Array || pixels instanceof Uint8Array ? new Int16Array(pixels.length) : new Int32Array(pixels.length);
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const sign = 1 << (bits - 1);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]! & mask;
    out[i] = format.signed && v & sign ? v - (mask + 1) : v;
  }
  return out;
}
