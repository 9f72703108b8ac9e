import { Router } from 'express';
import type { Change } from '../../store/changes.js';
import { allowUnaudited } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Orthanc's resource types for the singular types the index appends. */
const RESOURCE_TYPES: Record<string, { type: string; path: string }> = {
  patient: { type: 'Patient', path: 'patients' },
  study: { type: 'Study', path: 'studies' },
  series: { type: 'Series', path: 'series' },
  instance: { type: 'Instance', path: 'instances' },
  alert: { type: 'Alert', path: 'alerts' },
};
/** Orthanc's names where it has one; other types become PascalCase (`finding` → `Finding`). */
const CHANGE_TYPES: Record<string, string> = { 'stable-series': 'StableSeries', deleted: 'Deleted' };

/**
 * GET /changes?since=N&limit=M in Orthanc's shape `{ Changes, Done, Last }`: poll with the
 * `Last` you got. Ids and types only (no patient data), so any role may follow it unaudited.
 * Dates are ISO 8601 (Orthanc writes a local YYYYMMDDTHHMMSS); `Data` carries what a part added.
 */
export function changeRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/changes', allowUnaudited('it', 'radiologist', 'service'), (req, res) => {
    const q = parseQuery(req, { since: 'int', limit: 'int' });
    const page = deps.index.changes.list(q.since ?? 0, Math.min(Math.max(q.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT));
    res.json({ Changes: page.changes.map(orthancChange), Done: page.done, Last: page.last });
  });
  return router;
}

function orthancChange(change: Change): Record<string, unknown> {
  const resource = RESOURCE_TYPES[change.resourceType];
  return {
    Seq: change.seq,
    ChangeType: CHANGE_TYPES[change.type] ?? pascalCase(change.type),
    ResourceType: resource?.type ?? pascalCase(change.resourceType),
    ID: change.resourceId,
    ...(resource && change.type !== 'deleted' ? { Path: `/${resource.path}/${change.resourceId}` } : {}),
    Date: change.at,
    ...(change.data ? { Data: change.data } : {}),
  };
}

function pascalCase(kebab: string): string {
  return kebab
    .split(/[-_\s]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
