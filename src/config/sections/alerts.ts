import { z } from 'zod';
import cron from 'node-cron';
import { PRIORITIES } from '../../domain/priority.js';
import { aeTitle } from './dicom.js';

/**
 * A secret: written in the file, or (better) the name of an environment variable that holds
 * it, so the file can be read by people who must not see the secret.
 */
export const secretValue = z.union([
  z.string().min(1),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
]);
export type SecretValue = z.infer<typeof secretValue>;

/** Which findings a destination receives. Only positive findings ever make alerts. */
export const findingFilter = z
  .strictObject({
    /** Only findings the model declares critical. */
    criticalOnly: z.boolean().default(true),
    /** Only these model ids (all when absent). */
    models: z.array(z.string().min(1)).min(1).optional(),
    /** Only these finding codes (the concept's code, e.g. a SNOMED CT id; all when absent). */
    concepts: z.array(z.string().min(1)).min(1).optional(),
    /** Only findings at least this pressing. */
    minPriority: z.enum(PRIORITIES).default('routine'),
  })
  .prefault({});

const tlsClient = z.strictObject({
  /** CA bundle (PEM) that signed the peer's certificate; the system store when absent. */
  caFile: z.string().min(1).optional(),
  /** Our client certificate and key (PEM), for peers that ask for mutual TLS. */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  /** Name to check the peer's certificate against, when it differs from `host`. */
  servername: z.string().min(1).optional(),
});

const timeoutMs = z.number().int().min(100).max(300_000);

const common = {
  /** Stable name, used in /alerts, metrics and logs. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, up to 63'),
  description: z.string().max(200).optional(),
  enabled: z.boolean().default(true),
  /**
   * 'alerts': first-line alerts for findings matching `when`; 'escalation': only reached by
   * escalation; 'operational': IT's notices about the node's models (drift, a positive rate far
   * above the validated one), never a patient alert (webhook destinations only).
   */
  use: z.enum(['alerts', 'escalation', 'operational']).default('alerts'),
  when: findingFilter,
};

export const hl7Destination = z.strictObject({
  ...common,
  type: z.literal('hl7v2'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** MLLP over TLS; absent means plain TCP (inside a trusted network only). */
  tls: tlsClient.optional(),
  sendingApplication: z.string().min(1).max(180).default('VIGIL'),
  sendingFacility: z.string().max(180).default(''),
  receivingApplication: z.string().max(180).default(''),
  receivingFacility: z.string().max(180).default(''),
  /** MSH-11 (table 0103): P production, T training, D debugging. */
  processingId: z.enum(['P', 'T', 'D']).default('P'),
  /** The order priority update sent after the result when an accession is known. */
  orderUpdate: z.enum(['OMI^O23', 'ORM^O01', 'none']).default('OMI^O23'),
  connectTimeoutMs: timeoutMs.default(5000),
  responseTimeoutMs: timeoutMs.default(15_000),
});

const fhirAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: secretValue }),
  z.strictObject({
    type: z.literal('client-credentials'),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    clientSecret: secretValue,
    scope: z.string().min(1).optional(),
  }),
]);

export const fhirDestination = z.strictObject({
  ...common,
  type: z.literal('fhir'),
  /** The server's base, e.g. https://ehr.example.org/fhir/R4 (no trailing slash needed). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  auth: fhirAuth.default({ type: 'none' }),
  tls: tlsClient.optional(),
  /** Who the Communication goes to: the responsible team (a CareTeam, Group or PractitionerRole). */
  team: z.strictObject({ reference: z.string().min(1).optional(), display: z.string().min(1) }),
  /** Identifier systems the server uses for patient ids and accession numbers. */
  patientIdentifierSystem: z.string().min(1).default('urn:vigil:patient-id'),
  accessionIdentifierSystem: z.string().min(1).default('urn:vigil:accession'),
  timeoutMs: timeoutMs.default(15_000),
});

export const webhookDestination = z.strictObject({
  ...common,
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  /** Key of the HMAC-SHA256 signature the receiver checks. */
  secret: secretValue,
  tls: tlsClient.optional(),
  /** Webhooks often end in chat tools: patient identifiers are left out unless asked for. */
  includePatient: z.boolean().default(false),
  timeoutMs: timeoutMs.default(10_000),
});

/**
 * How the SEG carries the localisation map: binary, the region where the model's local score
 * reaches its operating threshold (1 bit a pixel; what viewers such as OHIF draw); fractional,
 * the graded map as probabilities 0..255 (for PACS and AI consumers that take probabilities).
 */
export const SEGMENTATION_TYPES = ['binary', 'fractional'] as const;
export type SegmentationType = (typeof SEGMENTATION_TYPES)[number];

/** What a DICOM destination (a PACS) is sent for each alert. */
export const DICOM_RESULT_OBJECTS = ['sr', 'seg', 'kos', 'sc'] as const;

export const dicomDestination = z.strictObject({
  ...common,
  type: z.literal('dicom'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** The PACS's AE title (the called AE). */
  aeTitle,
  /** Ours, as the PACS knows us. */
  callingAeTitle: aeTitle.default('VIGIL'),
  /** DICOM over TLS; absent means plain TCP (inside a trusted network only). */
  tls: tlsClient.omit({ servername: true }).optional(),
  /**
   * The IHE AI Results set by default: sr, a Measurement Report SR (TID 1500); seg, a Segmentation
   * of the localisation map; kos, a Key Object Selection of the key image. sc: a Secondary Capture
   * of the key image with the heat map burned in, for a PACS that cannot show a SEG.
   */
  send: z
    .array(z.enum(DICOM_RESULT_OBJECTS))
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'each object at most once')
    .default(['sr', 'seg', 'kos']),
  /** The SEG's kind (see SEGMENTATION_TYPES): binary unless a consumer wants the probabilities. */
  segmentation: z.enum(SEGMENTATION_TYPES).default('binary'),
  /** The node keeps what it sends in its own store too (its DICOMweb and viewer show them). */
  storeInNode: z.boolean().default(true),
  timeoutMs: timeoutMs.default(30_000),
});

export const destinationSchema = z.discriminatedUnion('type', [hl7Destination, fhirDestination, webhookDestination, dicomDestination]);

/** Why a destination may not be operational, or null: notices to IT go to webhooks only. */
export function operationalProblem(dest: { type: string; use: string }): string | null {
  return dest.use === 'operational' && dest.type !== 'webhook' ? `an operational destination is a webhook, not ${dest.type}` : null;
}
export type DestinationConfig = z.infer<typeof destinationSchema>;
export type DestinationInput = z.input<typeof destinationSchema>;
export type Hl7DestinationConfig = z.infer<typeof hl7Destination>;
export type FhirDestinationConfig = z.infer<typeof fhirDestination>;
export type WebhookDestinationConfig = z.infer<typeof webhookDestination>;
export type DicomDestinationConfig = z.infer<typeof dicomDestination>;
export type FindingFilter = z.infer<typeof findingFilter>;
export type ChannelType = DestinationConfig['type'];

const escalationLevel = z.strictObject({
  /** Time after the alert was raised, unacknowledged, at which this level fires. */
  afterMs: z.number().int().min(1000),
  /** Destination ids (from this file or the API) that receive the escalation. */
  destinations: z.array(z.string().min(1)).min(1),
});

export const alertsSection = z
  .strictObject({
    destinations: z
      .array(destinationSchema)
      .default([])
      .refine((list) => new Set(list.map((d) => d.id)).size === list.length, { message: 'destination ids must be unique' })
      .superRefine((list, ctx) =>
        list.forEach((d, i) => {
          const problem = operationalProblem(d);
          if (problem) ctx.addIssue({ code: 'custom', path: [i, 'use'], message: problem });
        }),
      ),
    delivery: z
      .strictObject({
        /** Retry delays double from `initialMs` up to `maxMs`, each jittered by up to half. */
        backoff: z
          .strictObject({
            initialMs: z.number().int().min(10).default(1000),
            maxMs: z.number().int().min(10).default(60_000),
            factor: z.number().min(1).max(10).default(2),
          })
          .refine((b) => b.maxMs >= b.initialMs, { message: 'maxMs must be at least initialMs', path: ['maxMs'] })
          .prefault({}),
        /** A delivery still failing this long after its alert was raised is dead-lettered. */
        giveUpAfterMs: z
          .number()
          .int()
          .min(60_000)
          .default(24 * 3600_000),
        /** After this many consecutive failures a destination is left alone for `cooldownMs`. */
        breaker: z
          .strictObject({
            failureThreshold: z.number().int().min(1).default(5),
            cooldownMs: z.number().int().min(10).default(30_000),
          })
          .prefault({}),
      })
      .prefault({}),
    escalation: z
      .strictObject({
        /** When to look for alerts to escalate (node-cron syntax, seconds field allowed). */
        schedule: z
          .string()
          .default('*/15 * * * * *')
          .refine((expr) => cron.validate(expr), { message: 'not a valid cron expression' }),
        /** Applied to critical alerts in order; each fires if the alert is still unacknowledged. */
        levels: z
          .array(escalationLevel)
          .default([])
          .refine((levels) => levels.every((l, i) => i === 0 || l.afterMs > levels[i - 1]!.afterMs), { message: 'levels must come later and later' }),
      })
      .prefault({}),
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsSection>;
export type DeliveryConfig = AlertsConfig['delivery'];
export type EscalationConfig = AlertsConfig['escalation'];
