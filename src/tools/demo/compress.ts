import codecs from 'dcmjs-codecs';
import { TransferSyntax } from '../../dicom/data/uids.js';
import type { MemoryFile } from '../phantom/dicom-common.js';
import { initCodecs } from '../../triage/pipeline/decode.js';

/**
 * Re-encodes a Part 10 file as JPEG-LS lossless with dcmjs-codecs (the WebAssembly CharLS
 * the pixel pipeline decodes with), as many radiography systems send. Lossless, so the
 * model sees the very pixels of the uncompressed phantom.
 */
export async function toJpegLsLossless(file: MemoryFile): Promise<MemoryFile> {
  await initCodecs();
  const input = file.bytes.buffer.slice(file.bytes.byteOffset, file.bytes.byteOffset + file.bytes.byteLength) as ArrayBuffer;
  const transcoder = new codecs.Transcoder(input);
  transcoder.transcode(TransferSyntax.JpegLsLossless);
  if (transcoder.getTransferSyntaxUid() !== TransferSyntax.JpegLsLossless) {
    throw new Error(`JPEG-LS encoding of ${file.name} left it in ${transcoder.getTransferSyntaxUid()}`);
  }
  // The transcoder keeps the source's OW for Pixel Data; encapsulated pixel data is OB (PS3.5 A.4),
  // and DCMTK warns on the odd-length OW it would otherwise write.
  const elements = transcoder.getElements() as { _vrMap?: Record<string, string> };
  elements._vrMap = { ...elements._vrMap, PixelData: 'OB' };
  return { name: file.name, bytes: new Uint8Array(transcoder.getDicomPart10()) };
}
