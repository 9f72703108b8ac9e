import type { DicomIndex, ResourceRow } from '../store/dicom-index.js';
import type { Level } from '../domain/resource-ids.js';
import type { ApiDeps } from './deps.js';

/** Orthanc-shaped JSON for a resource: its main tags, parent and children. */
const TYPES: Record<Level, { type: string; parentKey: string | null; childKey: string | null }> = {
  patients: { type: 'Patient', parentKey: null, childKey: 'Studies' },
  studies: { type: 'Study', parentKey: 'ParentPatient', childKey: 'Series' },
  series: { type: 'Series', parentKey: 'ParentStudy', childKey: 'Instances' },
  instances: { type: 'Instance', parentKey: 'ParentSeries', childKey: null },
};

export function resourceView(index: DicomIndex, row: ResourceRow, series?: ApiDeps['series']): Record<string, unknown> {
  const { type, parentKey, childKey } = TYPES[row.level];
  const view: Record<string, unknown> = { ID: row.id, Type: type, MainDicomTags: row.mainTags };
  if (parentKey) view[parentKey] = row.parentId;
  if (childKey) view[childKey] = index.childIds(row.level, row.id);
  view.LastUpdate = new Date(row.updatedAt).toISOString();
  if (row.level === 'studies' && row.parentId) {
    view.PatientMainDicomTags = index.getResource('patients', row.parentId)?.mainTags ?? {};
  }
  if (row.level === 'series' && series) Object.assign(view, stabilityView(series.stateOf(row.id)));
  if (row.level === 'instances') {
    const instance = index.getInstance(row.id);
    if (instance) {
      Object.assign(view, {
        FileSize: instance.fileSize,
        TransferSyntaxUID: instance.transferSyntaxUid,
        SOPClassUID: instance.sopClassUid,
        ReceivedAt: new Date(instance.receivedAt).toISOString(),
        CallingAET: instance.callingAeTitle,
        IndexInSeries: instance.instanceNumber,
      });
    }
  }
  return view;
}

/** Orthanc's IsStable, plus how and when the tracker knew (src/series/). */
function stabilityView(state: ReturnType<NonNullable<ApiDeps['series']>['stateOf']>): Record<string, unknown> {
  return {
    IsStable: state?.state === 'stable',
    Stability: state
      ? {
          State: state.state,
          Version: state.version,
          Reason: state.reason,
          StableAt: state.stableAt === null ? null : new Date(state.stableAt).toISOString(),
        }
      : null,
  };
}
