import type { DicomIndex, InstanceRow } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import type { SeriesState } from '../series/series-state-store.js';
import type { IndexFacade, InstanceView } from './sdk.js';

/** Read-only views of the index for plugins: plain copies, never the rows or the database. */
export function createIndexFacade(index: DicomIndex, files: FileStore, series: { stateOf(seriesId: string): SeriesState | undefined }): IndexFacade {
  const instanceView = (row: InstanceRow): InstanceView => ({
    id: row.id,
    seriesId: row.seriesId,
    sopInstanceUid: row.sopInstanceUid,
    sopClassUid: row.sopClassUid,
    transferSyntaxUid: row.transferSyntaxUid,
    instanceNumber: row.instanceNumber,
    mainTags: { ...row.mainTags },
    file: files.absolutePath(row.filePath),
  });
  return {
    study(id) {
      const row = index.getResource('studies', id);
      if (!row?.parentId) return undefined;
      const patient = index.getResource('patients', row.parentId);
      return { id, patientId: row.parentId, mainTags: { ...row.mainTags }, patientMainTags: { ...patient?.mainTags } };
    },
    series(id) {
      const row = index.getResource('series', id);
      if (!row?.parentId) return undefined;
      const state = series.stateOf(id);
      return {
        id,
        studyId: row.parentId,
        mainTags: { ...row.mainTags },
        stability: state ? { state: state.state, version: state.version, reason: state.reason } : null,
      };
    },
    instance(id) {
      const row = index.getInstance(id);
      return row ? instanceView(row) : undefined;
    },
    instancesOf(seriesId) {
      return index
        .instancesUnder('series', seriesId)
        .sort((a, b) => (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity))
        .map(instanceView);
    },
  };
}
