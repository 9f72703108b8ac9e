import fs from 'node:fs';
import { Router, type Request, type Response } from 'express';
import dcmjs from 'dcmjs';
import { VigilError } from '../../core/errors.js';
import { readIdentifier } from '../../dicom/net/query/identifier.js';
import type { QrLevel } from '../../dicom/net/query/information-models.js';
import { readHeader } from '../../dicom/data/header.js';
import { toDicomJson } from '../../dicom/data/dicom-json.js';
import { isValidUid, TransferSyntax } from '../../dicom/data/uids.js';
import type { InstanceRow } from '../../store/dicom-index.js';
import { allow, auditResources } from '../../auth/allow.js';
import type { ApiDeps } from '../deps.js';
import { qidoRequest } from './qido-plan.js';
import { toQidoJson } from './dicom-json-answer.js';
import { sendMultipart } from './multipart.js';
import { renderFramePng } from './render-instance.js';

type DicomWebDeps = ApiDeps & { queryRetrieve: NonNullable<ApiDeps['queryRetrieve']> };

const DICOM_JSON = 'application/dicom+json';
const NATIVE = new Set<string>([TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]);

/**
 * DICOMweb under /dicom-web (Orthanc's path): QIDO-RS searches with the matching C-FIND uses,
 * WADO-RS returns instances (multipart/related application/dicom, as stored), metadata (DICOM
 * JSON) and frames of uncompressed instances. Roles as for the REST API: searching and metadata
 * for radiologists and services (a RIS), the images themselves for radiologists. Every call is
 * audited with the resource ids it answered.
 */
export function dicomWebRoutes(deps: DicomWebDeps): Router {
  const router = Router();
  const maxResults = deps.config.dicom.queryRetrieve.maxResults;

  const qido = (level: Exclude<QrLevel, 'PATIENT'>, fixedOf: (req: Request) => Record<string, string>) =>
    [
      allow('radiologist', 'service'),
      (req: Request, res: Response) => {
        const fixed = fixedOf(req);
        for (const uid of Object.values(fixed)) checkUid(uid);
        const { plan, offset, limit, capped } = qidoRequest(req, level, fixed, maxResults);
        const ids = deps.queryRetrieve.search(plan, offset, limit);
        auditResources(req, ids);
        // PS3.18 8.3.4.4: say so when fewer results may have been given than asked for.
        if (capped && ids.length === limit)
          res.setHeader('Warning', `299 vigil "limit lowered to ${limit} (dicom.queryRetrieve.maxResults): page on with offset"`);
        res.type(DICOM_JSON).send(JSON.stringify(ids.map((id) => toQidoJson(deps.queryRetrieve.answer(plan, id)))));
      },
    ] as const;

  router.get('/studies', ...qido('STUDY', () => ({})));
  router.get('/series', ...qido('SERIES', () => ({})));
  router.get('/instances', ...qido('IMAGE', () => ({})));
  router.get('/studies/:study/series', ...qido('SERIES', (req) => ({ StudyInstanceUID: String(req.params.study) })));
  router.get('/studies/:study/instances', ...qido('IMAGE', (req) => ({ StudyInstanceUID: String(req.params.study) })));
  router.get(
    '/studies/:study/series/:series/instances',
    ...qido('IMAGE', (req) => ({
      StudyInstanceUID: String(req.params.study),
      SeriesInstanceUID: String(req.params.series),
    })),
  );

  /** The stored instances a WADO-RS path names; none is a 404. */
  const instancesOf = (req: Request): InstanceRow[] => {
    const { study, series, instance } = req.params as Record<string, string | undefined>;
    const identifier: Record<string, unknown> = { QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: checkUid(study!) };
    if (series !== undefined) identifier.SeriesInstanceUID = checkUid(series);
    if (instance !== undefined) identifier.SOPInstanceUID = checkUid(instance);
    const plan = readIdentifier('study-root', identifier);
    if ('status' in plan) throw new VigilError('DICOMWEB_BAD_QUERY', plan.comment);
    const rows = deps.queryRetrieve
      .search(plan, 0, Number.MAX_SAFE_INTEGER)
      .map((id) => deps.index.getInstance(id))
      .filter((row): row is InstanceRow => row !== undefined);
    if (rows.length === 0) throw new VigilError('NOT_FOUND', `no such ${instance ? 'instance' : series ? 'series' : 'study'}`);
    auditResources(
      req,
      rows.map((r) => r.id),
    );
    return rows;
  };

  for (const path of ['/studies/:study', '/studies/:study/series/:series', '/studies/:study/series/:series/instances/:instance']) {
    router.get(path, allow('radiologist'), async (req, res) => {
      acceptCheck(req, 'application/dicom');
      const rows = instancesOf(req);
      await sendMultipart(
        res,
        'application/dicom',
        rows.map((r) => ({ contentType: `application/dicom; transfer-syntax=${r.transferSyntaxUid}`, file: deps.files.absolutePath(r.filePath) })),
      );
    });

    router.get(`${path}/metadata`, allow('radiologist', 'service'), async (req, res) => {
      const rows = instancesOf(req);
      const metadata = [];
      for (const row of rows) {
        const header = await readHeader(deps.files.absolutePath(row.filePath));
        metadata.push(withoutBulkValues(toDicomJson(header.dict)));
      }
      res.type(DICOM_JSON).send(JSON.stringify(metadata));
    });
  }

  router.get('/studies/:study/series/:series/instances/:instance/frames/:frames', allow('radiologist'), async (req, res) => {
    const numbers = String(req.params.frames)
      .split(',')
      .map((n) => (/^\d{1,6}$/.test(n) ? Number(n) : NaN));
    if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new VigilError('DICOMWEB_BAD_QUERY', 'frames are a comma-separated list of numbers from 1');
    acceptCheck(req, 'application/octet-stream');
    const [row] = instancesOf(req);
    if (!NATIVE.has(row!.transferSyntaxUid)) {
      throw new VigilError('DICOMWEB_NOT_ACCEPTABLE', 'frames are served for uncompressed instances only; retrieve the instance instead');
    }
    const frames = nativeFrames(deps.files.absolutePath(row!.filePath));
    const missing = numbers.find((n) => n > frames.length);
    if (missing !== undefined) throw new VigilError('NOT_FOUND', `frame ${missing} does not exist: the instance has ${frames.length}`);
    await sendMultipart(
      res,
      'application/octet-stream',
      numbers.map((n) => ({ contentType: `application/octet-stream; transfer-syntax=${TransferSyntax.ExplicitVRLittleEndian}`, bytes: frames[n - 1]! })),
    );
  });

  // Rendered (full size) and thumbnail (128 px on its longer side) PNGs of a frame, the first by default.
  const THUMBNAIL_SIDE = 128;
  const instancePath = '/studies/:study/series/:series/instances/:instance';
  for (const [suffix, size] of [
    ['rendered', 'full'],
    ['thumbnail', 'thumbnail'],
    ['frames/:frames/rendered', 'full'],
    ['frames/:frames/thumbnail', 'thumbnail'],
  ] as const) {
    router.get(`${instancePath}/${suffix}`, allow('radiologist'), async (req, res) => {
      const frameText = (req.params as Record<string, string | undefined>).frames ?? '1';
      if (!/^\d{1,6}$/.test(frameText) || Number(frameText) < 1) throw new VigilError('DICOMWEB_BAD_QUERY', 'one frame number from 1 is rendered at a time');
      const accept = req.get('Accept');
      if (accept && !/(^|,)\s*(image\/png|image\/\*|\*\/\*)\s*(;|,|$)/i.test(accept))
        throw new VigilError('DICOMWEB_NOT_ACCEPTABLE', 'rendered images are served as image/png');
      const [row] = instancesOf(req);
      const png = await renderFramePng(deps.files.absolutePath(row!.filePath), Number(frameText), size === 'thumbnail' ? THUMBNAIL_SIDE : 8192);
      res.type('image/png').send(png);
    });
  }

  return router;
}

function checkUid(uid: string): string {
  if (!isValidUid(uid)) throw new VigilError('DICOMWEB_BAD_QUERY', 'a UID in the path is not a DICOM UID (digits and dots, at most 64 characters)');
  return uid;
}

/** WADO-RS answers multipart/related of one media type; an Accept that allows none of it is a 406. */
function acceptCheck(req: Request, type: string): void {
  const accept = req.get('Accept');
  if (!accept) return;
  const ok = accept.split(',').some((range) => {
    const [media, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (media === '*/*' || media === 'multipart/*') return true;
    if (media !== 'multipart/related') return false;
    const wanted = params
      .find((p) => p.startsWith('type='))
      ?.slice(5)
      .replace(/"/g, '');
    return wanted === undefined || wanted === type;
  });
  if (!ok) throw new VigilError('DICOMWEB_NOT_ACCEPTABLE', `this resource is served as multipart/related; type="${type}"`);
}

/** Values too large to inline (Pixel Data...) leave the metadata: the attribute stays, with its VR only. */
function withoutBulkValues(json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [tag, element] of Object.entries(json)) {
    const e = element as { vr: string; BulkDataLength?: number };
    out[tag] = e.BulkDataLength !== undefined ? { vr: e.vr } : element;
  }
  return out;
}

/** The frames of an uncompressed instance's Pixel Data, each `Rows × Columns × samples × bits` long. */
function nativeFrames(file: string): Buffer[] {
  const bytes = fs.readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
  const pixels = ds.PixelData as ArrayBuffer[] | undefined;
  if (!pixels?.[0]) throw new VigilError('NOT_FOUND', 'the instance has no pixel data');
  const data = Buffer.from(pixels[0]);
  const frameBytes = (Number(ds.Rows) * Number(ds.Columns) * Number(ds.SamplesPerPixel ?? 1) * Number(ds.BitsAllocated)) / 8;
  const count = Number(ds.NumberOfFrames ?? 1);
  if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new VigilError('DICOMWEB_NOT_ACCEPTABLE', 'frames are served for whole-byte pixel data only');
  return Array.from({ length: Math.min(count, Math.floor(data.length / frameBytes)) }, (_, k) => data.subarray(k * frameBytes, (k + 1) * frameBytes));
}
