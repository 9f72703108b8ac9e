import type { Priority } from './priority.js';

/** A coded concept (SNOMED CT or RadLex) as the model pack's manifest declares it. */
export interface CodedConcept {
  system: string;
  code: string;
  display: string;
}

/**
 * A model's result on one series: the contract between triage (which stores it), alerts,
 * the worklist and plugins (onFinding). Carries ids, never patient data.
 */
export interface Finding {
  id: string;
  jobId: string;
  modelId: string;
  modelVersion: string;
  /** Changes with every retraining (manifest `deviceUid`). */
  deviceUid: string;
  studyId: string;
  seriesId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  accessionNumber: string | null;
  concept: CodedConcept;
  /** Where the finding is, when the pack declares it (manifest `finding.site`). */
  findingSite?: CodedConcept;
  probability: number;
  threshold: number;
  /**
   * The operating point that decided it: the pack's shipped default, or the site's own (set by
   * IT from local evidence, `vigil calibrate`) with its version. Findings stored before site
   * operating points existed carry neither `source` nor `version`: read them as shipped.
   */
  operatingPoint: { name: string; sensitivity: number; specificity: number; source?: 'shipped' | 'site'; version?: number | null };
  /**
   * 'shadow': the pack version ran silent (IT has not made it live): the finding is stored and
   * monitored, but raises no alert and no priority, and `critical` is false. Absent on findings
   * stored before shadow mode existed: live.
   */
  mode?: 'live' | 'shadow';
  /**
   * The model ran on a series still arriving (an early run: its pack's `partial` coverage was
   * met). A positive critical one alerts at once, marked preliminary everywhere; a negative one
   * alerts nothing and is never shown. The final finding at completion confirms, corrects or
   * withdraws it. Absent: made on the complete series version.
   */
  preliminary?: boolean;
  /** probability >= threshold */
  positive: boolean;
  /** A positive finding the model declares critical (alerts and STAT priority follow). */
  critical: boolean;
  /** Priority the finding asks for (from the routing rule's hint and the model pack). */
  priority: Priority;
  /** The image the localisation map peaks on. */
  keyInstanceId: string | null;
  /** Its index among the series' images sorted along the slice normal (0 for a radiograph). */
  keySliceIndex: number | null;
  /** Its frame number (1-based, DICOM's) inside a multi-frame instance; 1 otherwise. */
  keyFrameNumber: number | null;
  /** A heat-map PNG of the key image exists at GET /findings/{id}/key-image. */
  hasKeyImage: boolean;
  /**
   * Set when the series' count tags announced more images than the index held when the model
   * ran (a push cut short and declared stable by its idle window): the result is about part of
   * the series. Absent when the series was complete or its count tags do not say.
   */
  incompleteSeries?: IncompleteSeries;
  /** The routing rule that asked for this model, when one did. */
  ruleId: string | null;
  createdAt: number;
  timings: { queueMs: number; decodeMs: number; preprocessMs: number; inferenceMs: number };
}

/** Images the model saw, of those the series' count tags announce. */
export interface IncompleteSeries {
  images: number;
  announced: number;
}
