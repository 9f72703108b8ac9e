import codecs from 'dcmjs-codecs';
import { TransferSyntax } from '../dicom/uids.js';
import type { MemoryFile } from '../phantom/dicom-common.js';
import { initCodecs } from '../triage/pipeline/decode.js';

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
  return { name: file.name, bytes: new Uint8Array(transcoder.getDicomPart10()) };
}
