import crypto from 'node:crypto';
import { operatingPointLabel } from '../../../triage/operating-point-label.js';
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Communication,
  DiagnosticReport,
  FhirResource,
  Observation,
  Reference,
  ServiceRequest,
  Task,
} from 'fhir/r4.js';
import type { FhirDestinationConfig } from '../../../config/sections/alerts.js';
import type { Priority } from '../../../domain/priority.js';
import type { AlertContext } from '../../context.js';
import type { Alert, Delivery } from '../../model.js';
import { interpretationOf } from '../../coding.js';
import { aiNotice, incompleteSeriesNote, resultText } from '../../notice.js';
import { reportedResult } from '../../reported-result.js';

/** Identifier systems of what Vigil creates: conditional creates search on them, so a retry never duplicates. */
export const ALERT_IDENTIFIER_SYSTEM = 'urn:vigil:alert';
export const DELIVERY_IDENTIFIER_SYSTEM = 'urn:vigil:alert-delivery';

const UCUM = 'http://unitsofmeasure.org';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const INTERPRETATIONS = {
  AA: 'Critical abnormal',
  A: 'Abnormal',
  N: 'Normal',
} as const;

/** An order found by accession whose priority the alert raises (never lowers). */
export type OrderToRaise = ServiceRequest | Task;

export interface BundleInput {
  dest: FhirDestinationConfig;
  alert: Alert;
  delivery: Delivery;
  context: AlertContext;
  at: number;
  /** The ServiceRequest or Task found by accession, when its priority is to be raised. */
  order: OrderToRaise | undefined;
}

/**
 * The FHIR R4 transaction for one alert: DiagnosticReport (preliminary) with the finding as
 * an Observation (probability, critical interpretation), a Communication to the team, and
 * the order raised to the finding's priority when one was found. Report and Observation are
 * keyed on the result id and the Communication on the delivery, so a retry (or an escalation
 * to the same server) never makes a second report: a first result is created with ifNoneExist;
 * a correction (a changed result, or a withdrawal with the negative finding) updates the same
 * two resources in place (conditional update on the identifier; status corrected), so the
 * server's history keeps what was said before.
 */
export function buildAlertBundle({ dest, alert, delivery, context, at, order }: BundleInput): Bundle<FhirResource> {
  const reported = reportedResult(alert, delivery.kind);
  const f = reported.finding;
  // The report stays preliminary (an AI result is not the study's report; corrected when it
  // corrects); the Observation says where this result stands: preliminary on part of a series,
  // final on the complete one, corrected.
  const status = reported.corrects ? 'corrected' : 'preliminary';
  const subject = patientReference(dest, context);
  const study: Reference = { identifier: { system: 'urn:dicom:uid', value: `urn:oid:${context.study.instanceUid}` }, type: 'ImagingStudy' };
  const basedOn = orderReference(dest, context, order);
  const reportUrl = `urn:uuid:${crypto.randomUUID()}`;
  const observationUrl = `urn:uuid:${crypto.randomUUID()}`;
  const communicationUrl = `urn:uuid:${crypto.randomUUID()}`;
  const resultIdentifier = { system: ALERT_IDENTIFIER_SYSTEM, value: reported.resultId };
  const interpretation = interpretationOf(f);
  const effective = new Date(f.createdAt).toISOString();
  const issued = new Date(at).toISOString();
  const notice = aiNotice(f);
  const partial = incompleteSeriesNote(f);
  const partialSentence = partial ? ` ${partial}` : '';
  const summary = resultText(reported);
  const concept: CodeableConcept = { coding: [{ system: f.concept.system, code: f.concept.code, display: f.concept.display }], text: f.concept.display };

  const observation: Observation = {
    resourceType: 'Observation',
    identifier: [resultIdentifier],
    ...(basedOn ? { basedOn: [basedOn] } : {}),
    status: reported.status,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }],
    code: concept,
    subject,
    effectiveDateTime: effective,
    issued,
    valueQuantity: { value: round(f.probability), unit: 'probability', system: UCUM, code: '1' },
    interpretation: [{ coding: [{ system: INTERPRETATION, code: interpretation, display: INTERPRETATIONS[interpretation] }] }],
    note: [{ text: notice }, ...(partial ? [{ text: partial }] : [])],
    method: { text: `AI triage model ${f.modelId} ${f.modelVersion}, ${operatingPointLabel(f)}` },
    device: { identifier: { system: 'urn:dicom:uid', value: `urn:oid:${f.deviceUid}` }, display: `${f.modelId} ${f.modelVersion} (demonstrator)` },
    referenceRange: [
      {
        high: { value: round(f.threshold), unit: 'probability', system: UCUM, code: '1' },
        text: `positive at or above ${round(f.threshold)} (${operatingPointLabel(f)}: sensitivity ${f.operatingPoint.sensitivity}, specificity ${f.operatingPoint.specificity})`,
      },
    ],
    derivedFrom: [study],
  };
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    identifier: [resultIdentifier],
    ...(basedOn ? { basedOn: [basedOn] } : {}),
    status,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '18748-4', display: 'Diagnostic imaging study' }], text: 'AI triage (demonstrator)' },
    subject,
    effectiveDateTime: effective,
    issued,
    performer: [{ display: `Vigil AI triage, model ${f.modelId} ${f.modelVersion} (demonstrator)` }],
    result: [{ reference: observationUrl }],
    imagingStudy: [study],
    conclusion: `${summary}${partialSentence} ${notice}`,
    ...(f.positive ? { conclusionCode: [concept] } : {}),
  };
  const escalation = delivery.escalationLevel !== null ? ` Escalation level ${delivery.escalationLevel}: not acknowledged in time.` : '';
  const communication: Communication = {
    resourceType: 'Communication',
    identifier: [{ system: DELIVERY_IDENTIFIER_SYSTEM, value: delivery.idempotencyKey }],
    status: 'completed',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'alert', display: 'Alert' }] }],
    priority: reported.withdrawal ? 'routine' : alert.priority,
    subject,
    about: [{ reference: reportUrl }],
    sent: issued,
    recipient: [{ ...(dest.team.reference ? { reference: dest.team.reference } : {}), display: dest.team.display }],
    sender: { display: 'Vigil AI triage' },
    payload: [{ contentString: `${summary}${partialSentence}${escalation} ${notice}` }],
  };

  const byResult = `identifier=${ALERT_IDENTIFIER_SYSTEM}|${reported.resultId}`;
  const write = reported.follows ? update : create;
  const entries: BundleEntry<FhirResource>[] = [
    write(reportUrl, report, byResult),
    write(observationUrl, observation, byResult),
    create(communicationUrl, communication, `identifier=${DELIVERY_IDENTIFIER_SYSTEM}|${delivery.idempotencyKey}`),
  ];
  if (order?.id) {
    const raised = { ...order, priority: alert.priority } as FhirResource;
    const versionId = order.meta?.versionId;
    entries.push({
      fullUrl: `${dest.baseUrl.replace(/\/$/, '')}/${order.resourceType}/${order.id}`,
      resource: raised,
      request: { method: 'PUT', url: `${order.resourceType}/${order.id}`, ...(versionId ? { ifMatch: `W/"${versionId}"` } : {}) },
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

function create(fullUrl: string, resource: FhirResource, ifNoneExist: string): BundleEntry<FhirResource> {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType, ifNoneExist } };
}

/** Conditional update: replaces the one resource the search matches, or creates it if none does. */
function update(fullUrl: string, resource: FhirResource, search: string): BundleEntry<FhirResource> {
  return { fullUrl, resource, request: { method: 'PUT', url: `${resource.resourceType}?${search}` } };
}

/** The patient by identifier (a logical reference): Vigil never creates or edits patients. */
function patientReference(dest: FhirDestinationConfig, ctx: AlertContext): Reference {
  return { type: 'Patient', identifier: { system: dest.patientIdentifierSystem, value: ctx.patient.id || 'unknown' } };
}

function orderReference(dest: FhirDestinationConfig, ctx: AlertContext, order: OrderToRaise | undefined): Reference | undefined {
  if (order?.resourceType === 'ServiceRequest' && order.id) return { reference: `ServiceRequest/${order.id}` };
  if (!ctx.study.accessionNumber) return undefined;
  return {
    type: 'ServiceRequest',
    identifier: {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] },
      system: dest.accessionIdentifierSystem,
      value: ctx.study.accessionNumber,
    },
  };
}

/** FHIR request priority ranks, to raise and never lower. */
const RANK: Record<string, number> = { routine: 1, urgent: 2, asap: 3, stat: 4 };

export function shouldRaise(current: string | undefined, wanted: Priority): boolean {
  return (RANK[wanted] ?? 0) > (RANK[current ?? 'routine'] ?? 1);
}

function round(n: number): number {
  return Number(n.toFixed(4));
}
