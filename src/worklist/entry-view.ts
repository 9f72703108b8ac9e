import type { AlertState } from '../alerts/model.js';
import type { Role } from '../domain/roles.js';
import type { AiResult, WorklistEntry } from './entry.js';
import type { Feedback } from './feedback-store.js';
// The page's own formatting, so the API's `why` and the page never disagree on a number.
import { percent } from './page/percent.js';

/** Roles that see who the patient is on the worklist. A service (a RIS, a monitor) does not. */
const SEES_PATIENT: ReadonlySet<Role> = new Set<Role>(['admin', 'radiologist']);

export function seesPatient(role: Role): boolean {
  return SEES_PATIENT.has(role);
}

/** The study's alert as the page needs it to offer acknowledgement (POST /alerts/{id}/acknowledge). */
export interface AlertBrief {
  id: string;
  state: AlertState;
  critical: boolean;
  acknowledgedBy: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The installed pack's `finding.scope` for a model version, when it declares one (see models/README.md). */
export type ScopeOf = (model: { id: string; version: string }) => string | undefined;

interface ViewOptions {
  role: Role;
  now: number;
  alert: AlertBrief | null;
  feedback?: (findingId: string) => Feedback[];
  scopeOf?: ScopeOf;
  /** worklist.viewerUrlTemplate, when the site has its own viewer. */
  viewerUrlTemplate?: string;
  /** The node's own OHIF viewer is installed (src/api/viewer/): each study links to it. */
  builtInViewer?: boolean;
}

/**
 * One worklist line in the API. Patient name and ID only for roles that may see them; the
 * rest (accession, description, priority and why) is what a RIS needs to match its own list.
 */
export function entryView(e: WorklistEntry, opts: ViewOptions): Record<string, unknown> {
  const showPatient = seesPatient(opts.role);
  const end = e.reading.readAt ?? opts.now;
  return {
    studyId: e.studyId,
    studyInstanceUid: e.studyInstanceUid,
    accessionNumber: e.accessionNumber,
    patient: showPatient ? e.patient : null,
    patientHidden: !showPatient,
    modalities: e.modalities,
    description: e.description,
    receivedAt: iso(e.receivedAt),
    waitingSeconds: Math.max(0, Math.round((end - e.receivedAt) / 1000)),
    status: e.reading.status,
    claimedBy: e.reading.claimedBy,
    claimedAt: iso(e.reading.claimedAt),
    readBy: e.reading.readBy,
    readAt: iso(e.reading.readAt),
    priority: e.priority,
    why: whyOf(e),
    reason: e.reason ? findingView(e.reason, showPatient, opts) : null,
    order: e.order,
    ruleHints: e.ruleHints,
    findings: e.findings.map((f) => findingView(f, showPatient, opts)),
    alert: opts.alert,
    viewerUrl: viewerUrlOf(opts.viewerUrlTemplate, e.studyInstanceUid),
    studyViewerUrl: opts.builtInViewer ? studyViewerUrl(e.studyInstanceUid) : null,
  };
}

/** The study in the node's own viewer (OHIF's route for a study, under /viewer/). */
export function studyViewerUrl(studyInstanceUid: string): string {
  return `/viewer/viewer?StudyInstanceUIDs=${encodeURIComponent(studyInstanceUid)}`;
}

/** The site's viewer link for a study (worklist.viewerUrlTemplate), or null. */
export function viewerUrlOf(template: string | undefined, studyInstanceUid: string): string | null {
  return template ? template.replaceAll('{StudyInstanceUID}', encodeURIComponent(studyInstanceUid)) : null;
}

function findingView(f: AiResult, showComments: boolean, { feedback, scopeOf }: ViewOptions): Record<string, unknown> {
  const scope = scopeOf?.(f.model);
  return {
    findingId: f.findingId,
    seriesId: f.seriesId,
    model: { ...f.model, ...(scope && { scope }) },
    concept: f.concept,
    probability: f.probability,
    threshold: f.threshold,
    operatingPoint: f.operatingPoint,
    decidedBy: f.decidedBy,
    positive: f.positive,
    critical: f.critical,
    aiPriority: f.aiPriority,
    keyInstanceId: f.keyInstanceId,
    keyImage: f.hasKeyImage ? `/findings/${encodeURIComponent(f.findingId)}/key-image` : null,
    keyImagePlace: f.keyImagePlace,
    incompleteSeries: f.incompleteSeries,
    // Made on part of a series still arriving: the complete series will confirm or withdraw it.
    preliminary: f.preliminary,
    createdAt: iso(f.createdAt),
    // A comment may quote the patient: only for those who see the patient anyway.
    ...(feedback
      ? { feedback: feedback(f.findingId).map((fb) => ({ by: fb.by, verdict: fb.verdict, comment: showComments ? fb.comment : undefined, at: iso(fb.at) })) }
      : {}),
  };
}

/**
 * Why the study sits where it does, in one line for the badge: the AI finding that raised it
 * (finding, probability, model), else the order's or the rule's priority.
 */
export function whyOf(e: WorklistEntry): string {
  const p = e.priority;
  if (p.raisedByAi && e.reason) {
    const r = e.reason;
    const preliminary = r.preliminary ? ', preliminary (series still arriving)' : '';
    return `AI: ${r.critical ? 'critical ' : ''}${r.concept.display} ${percent(r.probability)} (${r.model.id} ${r.model.version})${preliminary}, raised from ${p.base}`;
  }
  switch (p.baseSource) {
    case 'order':
      return `Order: ${p.base} (HL7 priority ${e.order?.hl7Priority || 'R'})`;
    case 'rule': {
      const hint = e.ruleHints.find((h) => h.priority === p.base);
      return `Rule ${hint?.ruleId ?? ''}: ${p.base}`.replace('Rule : ', 'Rule: ');
    }
    case 'default':
      return 'No order or rule: routine';
    default:
      return p.baseSource satisfies never;
  }
}
