import fs from 'node:fs';
import type { Db } from '../db/database.js';
import type { FileStore } from './file-store.js';
import type { Readiness } from '../metrics/readiness.js';

/**
 * The checks of the receiving core: the index answers, the store takes files, DICOM listens (on
 * a node with the `dicom` role: `dicomListening` is not given on one without).
 */
export function addCoreReadiness(readiness: Readiness, parts: { db: Db; files: FileStore; dicomListening?: () => boolean }): void {
  const ping = parts.db.prepare('SELECT 1');
  readiness.add('index', () => {
    ping.get();
    return { ok: true };
  });
  readiness.add('store', () => {
    fs.accessSync(parts.files.root, fs.constants.W_OK);
    return parts.files.hasFreeSpace() ? { ok: true } : { ok: false, detail: 'free space below storage.minFreeMb' };
  });
  const { dicomListening } = parts;
  if (dicomListening) readiness.add('dicom', () => (dicomListening() ? { ok: true } : { ok: false, detail: 'the DICOM listener is not accepting' }));
}
