import { Router, type Request } from 'express';
import { VigilError } from '../../core/errors.js';
import dcmjs from 'dcmjs';
import { readPart10Meta } from '../../dicom/data/part10-meta.js';
import { readMainTags } from '../../dicom/data/main-tags.js';
import { storeStatus } from '../../dicom/net/store-status.js';
import type { IncomingInstance, InstanceStore } from '../../store/instance-store.js';
import { allow, auditResources } from '../../auth/allow.js';
import type { ApiDeps } from '../deps.js';
import { relatedBoundary, splitMultipart } from './multipart-parse.js';

/** The most a STOW-RS request may carry: it is held in memory while its parts are stored. */
export const STOW_MAX_BYTES = 512 * 1024 * 1024;
/** Shown as the source AE title of instances stored over STOW-RS (file meta, rules, logs). */
export const STOW_AE_TITLE = 'STOW-RS';

/** PS3.18 Table 10.5.3-1 / PS3.4 B.2.3 failure reasons for parts the store never saw. */
const NOT_DICOM = 0xc000;
const WRONG_STUDY = 0xa900;

type Stored = { sopClassUid: string; sopInstanceUid: string; failure?: number; warning?: number; instanceId?: string };

/**
 * STOW-RS (PS3.18 10.5): POST /dicom-web/studies[/{study}] with multipart/related; type=
 * "application/dicom". Each part goes the way a C-STORE goes (InstanceStore: the same checks,
 * filters, duplicates policy, index, and so the same completeness, routing and triage); its
 * outcome is the DIMSE status C-STORE would have answered. 200 when all were stored, 202 when
 * some were, 409 when none; the body is the DICOM JSON response (Referenced / Failed SOP
 * Sequence). Only services (a cloud modality, a gateway) and admins may store.
 */
export function stowRoutes(deps: ApiDeps & { store: Pick<InstanceStore, 'createWriter' | 'complete'> }): Router {
  const router = Router();
  for (const path of ['/studies', '/studies/:study']) {
    router.post(path, allow('service'), async (req, res) => {
      const boundary = relatedBoundary(req.get('Content-Type'), 'application/dicom');
      const body = await readBody(req);
      const parts = splitMultipart(body, boundary);
      if (parts.length === 0) throw new VigilError('BAD_REQUEST', 'the multipart body holds no part');
      const study = req.params.study as string | undefined;
      const results: Stored[] = [];
      for (const part of parts) results.push(await storePart(deps, req, part.contentType, part.body, study));
      auditResources(
        req,
        results.flatMap((r) => (r.instanceId ? [r.instanceId] : [])),
      );
      const failed = results.filter((r) => r.failure !== undefined).length;
      const status = failed === 0 ? 200 : failed < results.length ? 202 : 409;
      res
        .status(status)
        .type('application/dicom+json')
        .send(JSON.stringify(stowResponse(results)));
    });
  }
  return router;
}

async function storePart(
  deps: { store: Pick<InstanceStore, 'createWriter' | 'complete'> },
  req: Request,
  contentType: string,
  bytes: Buffer,
  study: string | undefined,
): Promise<Stored> {
  const meta = /^application\/dicom\b/i.test(contentType) || contentType === '' ? readPart10Meta(bytes) : undefined;
  if (!meta) return { sopClassUid: '', sopInstanceUid: '', failure: NOT_DICOM };
  const named = { sopClassUid: meta.sopClassUid, sopInstanceUid: meta.sopInstanceUid };
  if (study !== undefined && studyOf(bytes, meta.dataStart, meta.transferSyntaxUid) !== study) return { ...named, failure: WRONG_STUDY };
  const incoming: IncomingInstance = {
    ...named,
    transferSyntaxUid: meta.transferSyntaxUid,
    callingAeTitle: STOW_AE_TITLE,
    remoteAddress: req.socket.remoteAddress ?? null,
  };
  const writer = deps.store.createWriter(incoming);
  writer.write(bytes.subarray(meta.dataStart));
  writer.end();
  const outcome = await deps.store.complete(writer, incoming);
  const { status } = storeStatus(outcome);
  if (outcome.kind === 'refused') return { ...named, failure: status };
  return { ...named, instanceId: outcome.instanceId, ...(status !== 0 && { warning: status }) };
}

/** The part's Study Instance UID: read from the bytes, or by dcmjs where that reader declines. */
function studyOf(bytes: Buffer, dataStart: number, transferSyntaxUid: string): string | undefined {
  const summary = readMainTags(bytes, dataStart, transferSyntaxUid);
  if (summary) return summary.study.StudyInstanceUID;
  try {
    const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, {
      untilTag: '7FE00010',
    });
    const uid = message.dict['0020000D']?.Value?.[0];
    return typeof uid === 'string' ? uid : undefined;
  } catch {
    return undefined;
  }
}

function stowResponse(results: readonly Stored[]): Record<string, unknown> {
  const item = (r: Stored, extra: Record<string, unknown>) => ({
    '00081150': { vr: 'UI', ...(r.sopClassUid && { Value: [r.sopClassUid] }) },
    '00081155': { vr: 'UI', ...(r.sopInstanceUid && { Value: [r.sopInstanceUid] }) },
    ...extra,
  });
  const referenced = results.filter((r) => r.failure === undefined).map((r) => item(r, r.warning ? { '00081196': { vr: 'US', Value: [r.warning] } } : {}));
  const failed = results.filter((r) => r.failure !== undefined).map((r) => item(r, { '00081197': { vr: 'US', Value: [r.failure] } }));
  return {
    ...(referenced.length > 0 && { '00081199': { vr: 'SQ', Value: referenced } }),
    ...(failed.length > 0 && { '00081198': { vr: 'SQ', Value: failed } }),
  };
}

/** The request body, at most STOW_MAX_BYTES (past it a 413, before reading more). */
function readBody(req: Request): Promise<Buffer> {
  const declared = Number(req.get('Content-Length') ?? 0);
  if (declared > STOW_MAX_BYTES) return Promise.reject(new VigilError('PAYLOAD_TOO_LARGE', `a STOW-RS request carries at most ${STOW_MAX_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > STOW_MAX_BYTES) {
        req.destroy();
        reject(new VigilError('PAYLOAD_TOO_LARGE', `a STOW-RS request carries at most ${STOW_MAX_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
