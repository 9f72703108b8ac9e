/**
 * The types a plugin compiles against, the SDK's own (re-exported by sdk.ts): copies of the
 * core's, so that a plugin depends on this contract and not on the core's internals. This file
 * imports nothing; test/plugins/sdk-types.test.ts fails to compile if a copy drifts from the type
 * the core passes (src/domain, src/events, src/dicom/net/store-scu.ts, src/queue/job-store.ts).
 */

/** Reading priority, as HL7 v2 table 0027 and FHIR request-priority understand it. */
export type Priority = 'stat' | 'urgent' | 'routine';

/** The roles a token carries (allow(), allowUnaudited()); admin is always allowed. */
export type Role = 'admin' | 'it' | 'radiologist' | 'service';

/** Main tags of one level, flattened to strings (multi-valued joined with a backslash). */
export type MainTags = Record<string, string>;

/** A DICOM node to send to. */
export interface DicomPeer {
  host: string;
  port: number;
  aeTitle: string;
}

/** What a send did: one C-STORE status per instance (undefined: not sent). */
export interface SendReport {
  statuses: (number | undefined)[];
  sent: number;
  failed: number;
}

/** A job of a plugin's queue: pending (to run or retry), done, or dead (out of attempts). */
export type JobState = 'pending' | 'done' | 'dead';

/** One job of a plugin's durable queue. */
export interface QueuedJob<P = unknown> {
  id: number;
  key: string;
  payload: P;
  state: JobState;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

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

export interface InstanceStoredEvent {
  instanceId: string;
  seriesId: string;
  studyId: string;
  patientId: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  modality: string | null;
  callingAeTitle: string;
  /** The first instance of its series. */
  newSeries: boolean;
  newStudy: boolean;
  /** Milliseconds since the epoch when the instance became durable. */
  storedAt: number;
}

/**
 * How the series tracker knew a series was complete: a COMPLETED MPPS step, the count tags,
 * its sender's learned quiet time, a single image from a sender of single-image series, or
 * the idle window.
 */
export type StableReason = 'mpps' | 'counts' | 'quiet' | 'single-image' | 'idle';

export interface SeriesStableEvent {
  seriesId: string;
  studyId: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  modality: string | null;
  /** 1 for the first time a series is complete; +1 each time a late instance reopens it. */
  version: number;
  reason: StableReason;
  instanceCount: number;
  lastInstanceAt: number;
  stableAt: number;
  /**
   * false when this version reopens a series and config `series.rerunTriageOnReopen` is off:
   * triage already ran on an earlier version. Absent means true.
   */
  runTriage?: boolean;
}

/**
 * Services the node lends to plugins through ctx (src/plugins/lent-services.ts fills them).
 * Each is optional in the type, so that a plugin loaded by a host without them (a test host)
 * checks before it uses one.
 */

/** Triage (src/triage/): run a series through models, as a routing rule would. */
export interface TriageService {
  /**
   * Queues one job per model (idempotent per series version and model). Throws a VigilError
   * with NOT_FOUND for an unknown series or model, TRIAGE_MODEL_UNAVAILABLE for a disabled one.
   */
  request(request: { seriesId: string; seriesVersion?: number; models: readonly string[]; priority?: Priority }): void;
}

/** The reading worklist (src/worklist/): raise a study's base priority, as a rule's hint does. */
export interface WorklistService {
  /** Never lowers: the more pressing of this and the study's other hints and order counts. Throws NOT_FOUND for an unknown study. */
  raisePriority(studyId: string, priority: Priority): void;
}

export interface PluginServices {
  triage?: TriageService;
  worklist?: WorklistService;
}
