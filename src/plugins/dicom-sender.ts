import type { DicomConfig } from '../config/sections/dicom.js';
import { tlsClientOptions } from '../config/tls-client.js';
import { sendFiles, type DicomPeer } from '../dicom/net/store-scu.js';
import type { DicomSender } from './sdk.js';

/** ctx.dicom: C-STORE with the node's AE title; peers by AE title from dicom.modalities. */
export function createDicomSender(config: DicomConfig): DicomSender {
  return {
    send(peer, instances, opts = {}) {
      return sendFiles(
        peer,
        instances.map((i) => i.file),
        // A peer of dicom.modalities with a tls block is reached over TLS.
        { callingAeTitle: config.aeTitle, timeoutMs: opts.timeoutMs, tls: tlsClientOptions(modalityAt(config, peer)?.tls) },
      );
    },
    knownPeer(aeTitle) {
      const known = config.modalities.find((m) => m.aeTitle === aeTitle && m.host && m.port);
      return known ? { aeTitle: known.aeTitle, host: known.host!, port: known.port! } : undefined;
    },
  };
}

function modalityAt(config: DicomConfig, peer: DicomPeer): DicomConfig['modalities'][number] | undefined {
  return config.modalities.find((m) => m.aeTitle === peer.aeTitle && m.host === peer.host && m.port === peer.port);
}
