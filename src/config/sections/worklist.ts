import cron from 'node-cron';
import { z } from 'zod';
import { port } from './dicom.js';

/**
 * The reading worklist (src/worklist/): the HL7 order listener, live updates, and the nightly
 * per-model monitoring.
 */
export const worklistSection = z
  .strictObject({
    /**
     * Orders from the RIS (ORM^O01, OMI^O23) over MLLP. Off until the RIS is pointed at it; on
     * loopback by default, since MLLP has no authentication of its own: expose it on purpose.
     */
    orders: z
      .strictObject({
        enabled: z.boolean().default(false),
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(2575),
        /** MSH-3 / MSH-4 of our acknowledgements. */
        application: z.string().min(1).max(180).default('VIGIL'),
        facility: z.string().max(180).default(''),
        /** Largest MLLP frame accepted; a larger one closes the connection. */
        maxMessageBytes: z
          .number()
          .int()
          .min(1024)
          .max(16 * 1024 * 1024)
          .default(1024 * 1024),
      })
      .prefault({}),
    /** Server-Sent Events (GET /worklist/events): tickets and stream lifetime. */
    events: z
      .strictObject({
        /** A ticket (from POST /worklist/events/tickets) must be used within this many seconds. */
        ticketSeconds: z.number().int().min(5).max(300).default(30),
        /**
         * A stream ends after this long and the page reconnects with a fresh ticket, which
         * needs a live token: a revoked token stops receiving updates within this time.
         */
        maxStreamSeconds: z.number().int().min(30).max(86_400).default(900),
        /** A comment line this often keeps proxies from closing a quiet stream. */
        heartbeatSeconds: z.number().int().min(1).max(300).default(15),
      })
      .prefault({}),
    /** Per-model monitoring: volume, positive rate, PPV from feedback, score drift. */
    monitoring: z
      .strictObject({
        /** When the previous UTC day is computed (node-cron syntax, UTC). */
        schedule: z
          .string()
          .default('15 0 * * *')
          .refine((expr) => cron.validate(expr), { message: 'not a valid cron expression' }),
        /** Days of scores the drift is measured on, ending with the computed day. */
        driftWindowDays: z.number().int().min(1).max(90).default(7),
        /** Fewer scores than this in the window: drift is not judged ("insufficient"). */
        minScores: z.number().int().min(10).max(100_000).default(50),
        /** Population stability index above which the model is said to drift (0.25 is the usual "major shift"). */
        driftThreshold: z.number().positive().max(10).default(0.25),
        /** Days of radiologists' feedback the rolling PPV is computed on. */
        ppvWindowDays: z.number().int().min(1).max(365).default(30),
        /** Days the go-live view (figures, score histogram, positive rate per day) covers, ending today (UTC). */
        goLiveWindowDays: z.number().int().min(1).max(366).default(30),
        /**
         * IT is told (operational destinations) when a day's positive rate is far above the
         * validated one: the lower end of its 95 % interval above `factor` times the share of the
         * pack's baseline scores at or above the threshold, on a day of at least `minFindings`.
         */
        positiveRateAlarm: z
          .strictObject({
            factor: z.number().min(1).max(100).default(2),
            minFindings: z.number().int().min(1).max(100_000).default(20),
          })
          .prefault({}),
      })
      .prefault({}),
    /**
     * A link from each study to the hospital's own viewer: an http(s) URL in which
     * `{StudyInstanceUID}` is replaced by the study's UID (URL-encoded). Absent: no link.
     */
    viewerUrlTemplate: z
      .string()
      .max(2000)
      .refine((t) => t.includes('{StudyInstanceUID}'), { message: 'must contain {StudyInstanceUID}' })
      .refine((t) => /^https?:\/\/[^\s]+$/.test(t), { message: 'must be an http or https URL without spaces' })
      .optional(),
  })
  .prefault({});

export type WorklistConfig = z.infer<typeof worklistSection>;
