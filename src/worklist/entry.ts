import type { Priority } from '../domain/priority.js';
import type { PriorityDecision } from './effective-priority.js';
import type { IncompleteSeries } from '../domain/finding.js';
import type { KeyImagePlace } from './key-image-place.js';

/** Where a study is in its reading: nobody has it, someone is reading it, it is read. */
export const READING_STATUSES = ['unread', 'in-progress', 'read'] as const;
export type ReadingStatus = (typeof READING_STATUSES)[number];

export interface Reading {
  status: ReadingStatus;
  claimedBy: string | null;
  claimedAt: number | null;
  readBy: string | null;
  readAt: number | null;
}

/** The order the RIS sent for the study's accession (no patient data of its own). */
export interface OrderSummary {
  id: string;
  procedure: { code: string | null; text: string | null };
  priority: Priority;
  /** HL7 table 0027 code as the RIS sent it. */
  hl7Priority: string;
  /** ORC-1 of the latest message: NW, XO, SC, CA... */
  control: string;
  state: 'active' | 'cancelled';
}

/** A model's result on one of the study's series, as the worklist shows and counts it. */
export interface AiResult {
  findingId: string;
  studyId: string;
  seriesId: string;
  model: { id: string; version: string; deviceUid: string };
  concept: { system: string; code: string; display: string };
  probability: number;
  threshold: number;
  operatingPoint: string;
  positive: boolean;
  critical: boolean;
  /** What a positive result asks the worklist for; null when negative. */
  aiPriority: Priority | null;
  keyInstanceId: string | null;
  keySliceIndex: number | null;
  keyFrameNumber: number | null;
  /** Where the key image is (series, image number, position); read with a page of entries, else null. */
  keyImagePlace: KeyImagePlace | null;
  hasKeyImage: boolean;
  createdAt: number;
  /** The model saw only part of the series (see Finding.incompleteSeries); null otherwise. */
  incompleteSeries: IncompleteSeries | null;
  /** Made by a pack version in shadow: counted by the monitoring, never among a study's results. */
  shadow: boolean;
  /**
   * Made on part of the series while it was still arriving (an early run; only positives are
   * kept): the result on the complete series replaces it, confirming or taking it back.
   */
  preliminary: boolean;
  /** Which operating point decided it: the pack's shipped one, or the site's with its version. */
  decidedBy: { source: 'shipped' | 'site'; version: number | null };
}

export interface RuleHint {
  seriesId: string;
  ruleId: string;
  priority: Priority;
}

/** One line of the worklist: a study, with patient data that the API shows only to some roles. */
export interface WorklistEntry {
  studyId: string;
  studyInstanceUid: string;
  accessionNumber: string | null;
  patient: { name: string | null; id: string | null };
  modalities: string[];
  description: string | null;
  receivedAt: number;
  reading: Reading;
  order: OrderSummary | null;
  ruleHints: RuleHint[];
  priority: PriorityDecision;
  /** The study's standing results (one per series and model: the latest). */
  findings: AiResult[];
  /** The finding behind an AI raise (the most pressing, then the most probable); null otherwise. */
  reason: AiResult | null;
}
