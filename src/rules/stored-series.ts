import { readHeader } from '../dicom/data/header.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import type { SeriesFacts } from './facts.js';
import { buildSeriesFacts, representativeIndex } from './series-facts.js';

/**
 * Stored series as routing sees them: every instance's facts from the index (no file reads)
 * and the header of the representative instance from its file.
 */
export class StoredSeries {
  private readonly recent;

  constructor(
    db: Db,
    private readonly index: DicomIndex,
    private readonly files: FileStore,
    private readonly calledAeTitle: string,
  ) {
    // Dry runs over "the last N days": bounded, newest first (a scan of the series table).
    this.recent = db.prepare<[number, number], { id: string }>('SELECT id FROM series WHERE updated_at >= ? ORDER BY updated_at DESC LIMIT ?');
  }

  exists(seriesId: string): boolean {
    return this.index.getResource('series', seriesId) !== undefined;
  }

  /** undefined when the series has no instances left in the index. */
  async facts(seriesId: string): Promise<SeriesFacts | undefined> {
    const instances = this.index.instancesUnder('series', seriesId);
    if (instances.length === 0) return undefined;
    const summaries = instances.map((i) => ({ instanceNumber: i.instanceNumber, imageType: i.mainTags.ImageType, callingAeTitle: i.callingAeTitle }));
    const representative = instances[representativeIndex(summaries)]!;
    const { dict } = await readHeader(this.files.absolutePath(representative.filePath));
    return buildSeriesFacts({ header: dict, instances: summaries, calledAeTitle: this.calledAeTitle });
  }

  /** Ids of series updated since `since` (ms), newest first, at most `limit` (+1 to tell truncation). */
  updatedSince(since: number, limit: number): string[] {
    return this.recent.all(since, limit).map((r) => r.id);
  }
}
