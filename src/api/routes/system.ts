import { Router } from 'express';
import { allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';
import { VERSION } from '../../core/version.js';

/** Identity and counts of the node: no patient data, so not audited. */
export function systemRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/system', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    const { config } = deps;
    res.json({
      Name: 'Vigil',
      Version: VERSION,
      DicomAet: config.dicom.aeTitle,
      // null when scanners reach the node over TLS only (dicom.tls.only).
      DicomPort: config.dicom.tls?.only ? null : config.dicom.port,
      // Vigil's own: the DICOM over TLS port, when dicom.tls is configured.
      DicomTlsPort: config.dicom.tls?.port ?? null,
      HttpPort: config.http.port,
      DicomListening: deps.status.dicomListening(),
      ActiveAssociations: deps.status.activeAssociations(),
      StartedAt: new Date(deps.status.startedAt).toISOString(),
      StorageFsync: config.storage.fsync,
    });
  });

  router.get('/statistics', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    parseQuery(req, {});
    const { index } = deps;
    const bytes = index.totalSize();
    res.json({
      CountPatients: index.count('patients'),
      CountStudies: index.count('studies'),
      CountSeries: index.count('series'),
      CountInstances: index.count('instances'),
      TotalDiskSize: bytes,
      TotalDiskSizeMB: Math.round(bytes / (1024 * 1024)),
    });
  });

  return router;
}
