import { Router } from 'express';
import { tlsClientOptions } from '../../config/tls-client.js';
import { echo } from '../../dicom/net/store-scu.js';
import { isVigilError, VigilError } from '../../core/errors.js';
import { allow, allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

/** A C-ECHO waits this long for the peer (a person is waiting for the answer). */
const ECHO_TIMEOUT_MS = 10_000;

/**
 * The DICOM nodes the configuration knows (`dicom.modalities`: scanners that send, PACS that
 * rule forwards go to), Orthanc's /modalities in spirit. IT lists them and C-ECHOes the ones
 * with an address, to see that a forward would be taken before routing series there.
 */
export function modalityRoutes(deps: ApiDeps): Router {
  const router = Router();
  const modalities = () => deps.config.dicom.modalities;

  router.get('/modalities', allowUnaudited('it'), (req, res) => {
    parseQuery(req, {});
    res.json(
      modalities().map((m) => ({
        aeTitle: m.aeTitle,
        host: m.host ?? null,
        port: m.port ?? null,
        tls: m.tls !== undefined,
        description: m.description ?? null,
        reachable: Boolean(m.host && m.port),
      })),
    );
  });

  router.post('/modalities/:aeTitle/echo', allow('it'), async (req, res) => {
    const modality = modalities().find((m) => m.aeTitle === req.params.aeTitle);
    if (!modality) throw new VigilError('NOT_FOUND', `no modality "${req.params.aeTitle}" in dicom.modalities`);
    if (!modality.host || !modality.port) throw new VigilError('CONFLICT', `modality "${modality.aeTitle}" has no host and port to reach it at`);
    const started = Date.now();
    const where = `${modality.aeTitle} at ${modality.host}:${modality.port}${modality.tls ? ' (TLS)' : ''}`;
    let outcome: { ok: boolean; code: string | null; detail: string };
    try {
      const peer = { host: modality.host, port: modality.port, aeTitle: modality.aeTitle };
      await echo(peer, { callingAeTitle: deps.config.dicom.aeTitle, timeoutMs: ECHO_TIMEOUT_MS, tls: tlsClientOptions(modality.tls) });
      outcome = { ok: true, code: null, detail: `C-ECHO from ${deps.config.dicom.aeTitle} to ${where} answered Success` };
    } catch (err) {
      if (!isVigilError(err)) throw err;
      outcome = { ok: false, code: err.code, detail: err.message };
    }
    res.json({ aeTitle: modality.aeTitle, ...outcome, elapsedMs: Date.now() - started });
  });

  return router;
}
