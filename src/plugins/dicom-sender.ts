import type { DicomConfig } from '../config/sections/dicom.js';
import { sendFiles } from '../dicom/store-scu.js';
import type { DicomSender } from './sdk.js';

/** ctx.dicom: C-STORE with the node's AE title; peers by AE title from dicom.modalities. */
export function createDicomSender(config: DicomConfig): DicomSender {
  return {
    send(peer, instances, opts = {}) {
      return sendFiles(
        peer,
        instances.map((i) => i.file),
        { callingAeTitle: config.aeTitle, timeoutMs: opts.timeoutMs },
      );
    },
    knownPeer(aeTitle) {
      const known = config.modalities.find((m) => m.aeTitle === aeTitle && m.host && m.port);
      return known ? { aeTitle: known.aeTitle, host: known.host!, port: known.port! } : undefined;
    },
  };
}
