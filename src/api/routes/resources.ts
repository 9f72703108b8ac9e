import fs from 'node:fs';
import { Router } from 'express';
import { VigilError } from '../../core/errors.js';
import { readHeader } from '../../dicom/data/header.js';
import { toDicomJson } from '../../dicom/data/dicom-json.js';
import { isLevel, isResourceId, LEVELS, type Level } from '../../domain/resource-ids.js';
import { allow, auditResources } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import { resourceView } from '../views.js';
import type { ApiDeps } from '../deps.js';
import { describeError } from '../../log/describe-error.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const CHILD_LEVEL: Record<Level, Level | null> = { patients: 'studies', studies: 'series', series: 'instances', instances: null };
const PARENT_LEVEL: Record<Level, Level | null> = { patients: null, studies: 'patients', series: 'studies', instances: 'series' };
const ORTHANC_TYPE: Record<Level, string> = { patients: 'Patient', studies: 'Study', series: 'Series', instances: 'Instance' };

/**
 * Browsing the DICOM hierarchy: lists, one resource, its children, an instance's file and tags;
 * deleting a resource with everything under it.
 * Patient-level data: audited reads for radiologists and RIS-like services; only radiologists
 * download the images themselves.
 */
export function resourceRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { index, files } = deps;

  for (const level of LEVELS) {
    router.get(`/${level}`, allow('radiologist', 'service'), (req, res) => {
      const q = parseQuery(req, { expand: 'bool', limit: 'int', since: 'int' });
      const limit = Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
      const ids = index.listIds(level, q.since ?? 0, limit);
      if (q.expand) auditResources(req, ids);
      res.json(q.expand ? ids.map((id) => resourceView(index, index.getResource(level, id)!, deps.series)) : ids);
    });

    router.get(`/${level}/:id`, allow('radiologist', 'service'), (req, res) => {
      parseQuery(req, {});
      res.json(resourceView(index, findResource(deps, level, req.params.id), deps.series));
    });

    // Admin only. The rows go and the files are listed for removal in one transaction; the files
    // go after the commit, in the same tick (see PendingRemovals.removeNow). A stop in between
    // leaves them listed and the next start removes them: a deleted study never comes back.
    router.delete(`/${level}/:id`, allow(), (req, res) => {
      parseQuery(req, {});
      const row = findResource(deps, level, req.params.id);
      const ancestors = ancestorsOf(deps, row.level, row.parentId);
      const removed = index.deleteResourceWithFiles(level, row.id, Date.now());
      for (const instance of removed) {
        try {
          index.pendingRemovals.removeNow(files, instance.filePath);
        } catch (err) {
          deps.log.warn('file of a deleted instance could not be removed: tried again at the next start', {
            instanceId: instance.id,
            error: describeError(err),
          });
        }
      }
      if (removed.length > 0) files.space.invalidate();
      auditResources(
        req,
        removed.map((i) => i.id),
      );
      const remaining = ancestors.find((a) => index.getResource(a.level, a.id) !== undefined);
      res.json({
        RemainingAncestor: remaining ? { ID: remaining.id, Path: `/${remaining.level}/${remaining.id}`, Type: ORTHANC_TYPE[remaining.level] } : null,
      });
    });

    const child = CHILD_LEVEL[level];
    if (child) {
      router.get(`/${level}/:id/${child}`, allow('radiologist', 'service'), (req, res) => {
        const q = parseQuery(req, { expand: 'bool' });
        findResource(deps, level, req.params.id);
        const ids = index.childIds(level, req.params.id);
        if (q.expand) auditResources(req, ids);
        res.json(q.expand ? ids.map((id) => resourceView(index, index.getResource(child, id)!, deps.series)) : ids);
      });
    }
  }

  router.get('/instances/:id/file', allow('radiologist'), (req, res, next) => {
    parseQuery(req, {});
    const instance = index.getInstance(checkId(req.params.id));
    if (!instance) throw new VigilError('NOT_FOUND', 'no such instance');
    const file = files.absolutePath(instance.filePath);
    if (!fs.existsSync(file)) throw new VigilError('STORE_FILE_MISSING', 'the file of this instance is missing from the store');
    res.type('application/dicom');
    res.setHeader('Content-Length', String(fs.statSync(file).size));
    res.setHeader('Content-Disposition', `attachment; filename="${instance.id}.dcm"`);
    // The audit row is written as the headers leave: a read it cannot record is refused here,
    // before any byte of the file (src/api/audit-requests.ts).
    res.flushHeaders();
    fs.createReadStream(file).on('error', next).pipe(res);
  });

  router.get('/instances/:id/tags', allow('radiologist', 'service'), async (req, res) => {
    parseQuery(req, {});
    const instance = index.getInstance(checkId(req.params.id));
    if (!instance) throw new VigilError('NOT_FOUND', 'no such instance');
    const header = await readHeader(files.absolutePath(instance.filePath));
    res.json(toDicomJson(header.dict));
  });

  return router;
}

/** The parents of a resource, nearest first. */
function ancestorsOf(deps: ApiDeps, level: Level, parentId: string | null): { level: Level; id: string }[] {
  const out: { level: Level; id: string }[] = [];
  let parentLevel = PARENT_LEVEL[level];
  let id = parentId;
  while (parentLevel && id) {
    out.push({ level: parentLevel, id });
    id = deps.index.getResource(parentLevel, id)?.parentId ?? null;
    parentLevel = PARENT_LEVEL[parentLevel];
  }
  return out;
}

export function checkId(id: string | undefined): string {
  if (!id || !isResourceId(id)) throw new VigilError('INVALID_ID', 'resource ids are five groups of eight lowercase hex digits');
  return id;
}

export function findResource(deps: ApiDeps, level: string, id: string | undefined) {
  if (!isLevel(level)) throw new VigilError('NOT_FOUND', 'no such level');
  const row = deps.index.getResource(level, checkId(id));
  if (!row) throw new VigilError('NOT_FOUND', `no such ${level === 'series' ? 'series' : level.slice(0, -1)}`);
  return row;
}
