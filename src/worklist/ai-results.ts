import type { ChangeFeed } from '../store/changes.js';
import type { Db } from '../db/database.js';
import type { Finding } from '../domain/finding.js';
import type { AiResult } from './entry.js';
import { rank } from './effective-priority.js';
import type { WorklistLive } from './live.js';
import { morePressing, type Priority } from '../domain/priority.js';

/** What this needs of the worklist query (WorklistQuery implements it; named here because the query imports this file). */
export interface EffectivePriorityReader {
  effectivePriority(studyId: string): Priority;
}

export interface AiResultRow {
  finding_id: string;
  study_id: string;
  series_id: string;
  model_id: string;
  model_version: string;
  device_uid: string;
  concept_system: string;
  concept_code: string;
  concept_display: string;
  probability: number;
  threshold: number;
  operating_point: string;
  positive: number;
  critical: number;
  ai_priority: Priority | null;
  key_instance_id: string | null;
  has_key_image: number;
  created_at: number;
  images_analysed: number | null;
  images_announced: number | null;
  key_slice_index: number | null;
  key_frame_number: number | null;
  shadow: number;
  operating_point_source: 'shipped' | 'site' | null;
  operating_point_version: number | null;
  preliminary: number;
}

export const AI_RESULT_COLUMNS =
  'finding_id, study_id, series_id, model_id, model_version, device_uid, concept_system, concept_code, concept_display, probability, threshold, operating_point, positive, critical, ai_priority, key_instance_id, has_key_image, created_at, images_analysed, images_announced, key_slice_index, key_frame_number, shadow, operating_point_source, operating_point_version, preliminary';

/**
 * What a positive finding asks of the worklist: the finding's own priority (the routing rule's
 * hint and the pack's priority-if-positive), and STAT when the model calls it critical.
 * A negative finding asks for nothing, nor does a shadow one (a pack version not yet live).
 */
export function aiPriorityOf(finding: Finding): Priority | null {
  if (!finding.positive || finding.mode === 'shadow') return null;
  return finding.critical ? 'stat' : morePressing(finding.priority, 'routine');
}

/**
 * The worklist's copy of each finding: enough to say why a priority was raised, to take
 * feedback and to compute the per-model figures, without patient data.
 */
export class AiResults {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly deps: { changes: ChangeFeed; live: WorklistLive; query: EffectivePriorityReader },
  ) {
    this.stmts = {
      exists: db.prepare<[string], { finding_id: string }>('SELECT finding_id FROM worklist_findings WHERE finding_id = ?'),
      // A shadow result replaces only an earlier shadow one: it never takes back a live raise.
      replace: db.prepare<[string, string, string, number, string]>(
        'UPDATE worklist_findings SET replaced_by = ? WHERE series_id = ? AND model_id = ? AND shadow = ? AND replaced_by IS NULL AND finding_id != ?',
      ),
      insert: db.prepare(
        `INSERT INTO worklist_findings (finding_id, study_id, series_id, model_id, model_version, device_uid, concept_system, concept_code,
           concept_display, probability, threshold, operating_point, positive, critical, ai_priority, key_instance_id, has_key_image, created_at,
           images_analysed, images_announced, key_slice_index, key_frame_number, shadow, operating_point_source, operating_point_version, preliminary)
         VALUES (@findingId, @studyId, @seriesId, @modelId, @modelVersion, @deviceUid, @conceptSystem, @conceptCode,
           @conceptDisplay, @probability, @threshold, @operatingPoint, @positive, @critical, @aiPriority, @keyInstanceId, @hasKeyImage, @createdAt,
           @imagesAnalysed, @imagesAnnounced, @keySliceIndex, @keyFrameNumber, @shadow, @operatingPointSource, @operatingPointVersion, @preliminary)`,
      ),
      get: db.prepare<[string], AiResultRow>(`SELECT ${AI_RESULT_COLUMNS} FROM worklist_findings WHERE finding_id = ?`),
    };
  }

  /**
   * Records a finding and, when it asks for more than the study has, the raise. Synchronous and
   * without a transaction of its own: triage calls it inside the transaction that stores the
   * finding (FindingStore's transactional listener), so the two commit together or not at all.
   * Idempotent by finding id (a finding recorded again, by a caller's retry, changes nothing).
   */
  record(finding: Finding): void {
    // A negative on part of a series says nothing yet (the rest may show the finding): never shown.
    if (finding.preliminary && !finding.positive) return;
    if (this.stmts.exists.get(finding.id)) return;
    const { changes, live, query } = this.deps;
    const before = query.effectivePriority(finding.studyId);
    const aiPriority = aiPriorityOf(finding);
    const shadow = finding.mode === 'shadow' ? 1 : 0;
    this.stmts.replace.run(finding.id, finding.seriesId, finding.modelId, shadow, finding.id);
    this.stmts.insert.run({
      findingId: finding.id,
      studyId: finding.studyId,
      seriesId: finding.seriesId,
      modelId: finding.modelId,
      modelVersion: finding.modelVersion,
      deviceUid: finding.deviceUid,
      conceptSystem: finding.concept.system,
      conceptCode: finding.concept.code,
      conceptDisplay: finding.concept.display,
      probability: finding.probability,
      threshold: finding.threshold,
      operatingPoint: finding.operatingPoint.name,
      positive: finding.positive ? 1 : 0,
      critical: finding.critical ? 1 : 0,
      aiPriority,
      keyInstanceId: finding.keyInstanceId,
      hasKeyImage: finding.hasKeyImage ? 1 : 0,
      createdAt: finding.createdAt,
      imagesAnalysed: finding.incompleteSeries?.images ?? null,
      imagesAnnounced: finding.incompleteSeries?.announced ?? null,
      keySliceIndex: finding.keySliceIndex,
      keyFrameNumber: finding.keyFrameNumber,
      shadow,
      operatingPointSource: finding.operatingPoint.source ?? 'shipped',
      operatingPointVersion: finding.operatingPoint.version ?? null,
      preliminary: finding.preliminary ? 1 : 0,
    });
    const after = query.effectivePriority(finding.studyId);
    if (rank(after) > rank(before)) {
      changes.append(
        'priority-raised',
        'study',
        finding.studyId,
        { findingId: finding.id, modelId: finding.modelId, from: before, to: after },
        finding.createdAt,
      );
    }
    live.afterCommit('finding', finding.studyId, { stat: after === 'stat' && before !== 'stat' });
  }

  get(findingId: string): AiResult | undefined {
    const row = this.stmts.get.get(findingId);
    return row ? aiResultOf(row) : undefined;
  }
}

export function aiResultOf(row: AiResultRow): AiResult {
  return {
    findingId: row.finding_id,
    studyId: row.study_id,
    seriesId: row.series_id,
    model: { id: row.model_id, version: row.model_version, deviceUid: row.device_uid },
    concept: { system: row.concept_system, code: row.concept_code, display: row.concept_display },
    probability: row.probability,
    threshold: row.threshold,
    operatingPoint: row.operating_point,
    positive: row.positive === 1,
    critical: row.critical === 1,
    aiPriority: row.ai_priority,
    keyInstanceId: row.key_instance_id,
    keySliceIndex: row.key_slice_index,
    keyFrameNumber: row.key_frame_number,
    keyImagePlace: null,
    hasKeyImage: row.has_key_image === 1,
    createdAt: row.created_at,
    incompleteSeries: row.images_analysed !== null && row.images_announced !== null ? { images: row.images_analysed, announced: row.images_announced } : null,
    shadow: row.shadow === 1,
    decidedBy: { source: row.operating_point_source ?? 'shipped', version: row.operating_point_version },
    preliminary: row.preliminary === 1,
  };
}
