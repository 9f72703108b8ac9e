import fs from 'node:fs';
import { Router } from 'express';
import { VigilError } from '../../errors.js';
import { readHeader } from '../../dicom/header.js';
import { toDicomJson } from '../../dicom/dicom-json.js';
import { isLevel, isResourceId, LEVELS, type Level } from '../../store/resource-ids.js';
import { allow } from '../auth/allow.js';
import { parseQuery } from '../query.js';
import { resourceView } from '../views.js';
import type { ApiDeps } from '../deps.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const CHILD_LEVEL: Record<Level, Level | null> = { patients: 'studies', studies: 'series', series: 'instances', instances: null };

/**
 * Browsing the DICOM hierarchy: lists, one resource, its children, an instance's file and tags.
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
      res.json(q.expand ? ids.map((id) => resourceView(index, index.getResource(level, id)!, deps.series)) : ids);
    });

    router.get(`/${level}/:id`, allow('radiologist', 'service'), (req, res) => {
      parseQuery(req, {});
      res.json(resourceView(index, findResource(deps, level, req.params.id), deps.series));
    });

    const child = CHILD_LEVEL[level];
    if (child) {
      router.get(`/${level}/:id/${child}`, allow('radiologist', 'service'), (req, res) => {
        const q = parseQuery(req, { expand: 'bool' });
        findResource(deps, level, req.params.id);
        const ids = index.childIds(level, req.params.id);
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
