import dcmjs from 'dcmjs';
import type { MemoryFile } from '../phantom/dicom-common.js';
import { phantomUid } from '../phantom/uids.js';

/** The UIDs that make a study new: study, series, instance (and its meta copy), frame of reference. */
const UID_TAGS = ['0020000D', '0020000E', '00080018', '00200052'];
const META_SOP_INSTANCE = '00020003';

/**
 * The same images as new studies: every UID is derived again from `salt` and the old UID, so
 * each run of the demo sends studies the node has not seen (a re-sent instance would be a
 * no-op, and nothing would happen to show), while one run's files stay consistent with each
 * other. Patient and accession stay: the same synthetic patient, scanned again.
 */
export function withFreshUids(files: readonly MemoryFile[], salt: string): { files: MemoryFile[]; map: (uid: string) => string } {
  const map = (uid: string): string => phantomUid('demo-run', salt, uid);
  const out = files.map((f) => {
    const dicom = dcmjs.data.DicomMessage.readFile(f.bytes.buffer.slice(f.bytes.byteOffset, f.bytes.byteOffset + f.bytes.byteLength) as ArrayBuffer);
    for (const tag of UID_TAGS) {
      const el = dicom.dict[tag];
      const uid: unknown = el?.Value?.[0];
      if (el && typeof uid === 'string' && uid) el.Value = [map(uid)];
    }
    const meta = dicom.meta[META_SOP_INSTANCE];
    const metaUid: unknown = meta?.Value?.[0];
    if (meta && typeof metaUid === 'string' && metaUid) meta.Value = [map(metaUid)];
    return { name: f.name, bytes: new Uint8Array(dicom.write()) };
  });
  return { files: out, map };
}
