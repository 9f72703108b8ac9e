/**
 * auto-forward: sends every stable series that matches a destination's condition to that
 * DICOM node with C-STORE, and retries with back-off while the node is down.
 *
 * The example plugin of plugins/README.md. It touches the node only through ctx: the series
 * tracker's event, the read-only index, the DICOM sender and its own durable queue (so a
 * forward waiting for a down peer survives a restart).
 */
import { allowUnaudited, definePlugin, z, type DicomPeer, type PluginContext, type SeriesStableEvent, type SeriesView } from 'vigil/sdk';

/** Which series a destination wants. Every field given must match; an empty condition takes all. */
const condition = z.strictObject({
  /** Modality codes, e.g. [CT, MR]. */
  modalities: z.array(z.string().min(1)).optional(),
  /** Body Part Examined values, e.g. [HEAD, BRAIN]. */
  bodyParts: z.array(z.string().min(1)).optional(),
  /** A regular expression the Series Description must match (case-insensitive). */
  seriesDescription: z
    .string()
    .refine((s) => isRegex(s), 'must be a valid regular expression')
    .optional(),
  /** Series with fewer instances are not sent (scouts, dose reports). */
  minInstances: z.number().int().min(1).optional(),
});

const destination = z
  .strictObject({
    aeTitle: z.string().min(1).max(16),
    /** Host and port of the peer; leave both out to use the entry of dicom.modalities with this AE title. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    when: condition.default({}),
  })
  .refine((d) => (d.host === undefined) === (d.port === undefined), 'give both host and port, or neither');

const configSchema = z.strictObject({
  destinations: z.array(destination).min(1),
  /** Send a series again when a late instance makes a new version of it. */
  resendOnReopen: z.boolean().default(true),
  retry: z
    .strictObject({
      initialDelayMs: z.number().int().min(1).optional(),
      maxDelayMs: z.number().int().min(1).optional(),
      maxAttempts: z.number().int().min(1).optional(),
    })
    .default({}),
  /** DICOM connect, association and PDU timeout. */
  timeoutMs: z.number().int().min(100).default(30_000),
});

type Config = z.output<typeof configSchema>;
type Destination = Config['destinations'][number];

/** One forward in the queue. Ids only: the files are read from the index when it runs. */
interface ForwardJob {
  seriesId: string;
  version: number;
  aeTitle: string;
}

export default definePlugin({
  id: 'auto-forward',
  version: '1.0.0',
  coreRange: '^0.1.0',
  configSchema,
  hooks: {
    onSeriesStable(event, ctx) {
      if (event.version > 1 && !ctx.config.resendOnReopen) return;
      const series = ctx.index.series(event.seriesId);
      if (!series) return;
      for (const dest of ctx.config.destinations) {
        if (!matches(dest.when, series, event)) continue;
        const job: ForwardJob = { seriesId: event.seriesId, version: event.version, aeTitle: dest.aeTitle };
        // The key makes a repeated event (after a crash) a no-op.
        if (ctx.queue.enqueue(`${job.seriesId}/v${job.version}/${job.aeTitle}`, job)) {
          ctx.log.info('series queued for forwarding', { seriesId: job.seriesId, version: job.version, destination: job.aeTitle });
        }
      }
    },

    onReady(ctx) {
      ctx.queue.work<ForwardJob>((job, call) => forward(ctx, job.payload, call.signal), ctx.config.retry);
    },

    routes(router, ctx) {
      // The forward queue: ids, destinations, attempts and errors; no patient data.
      router.get('/jobs', allowUnaudited('it', 'service'), (req, res) => {
        const state = typeof req.query.state === 'string' ? req.query.state : undefined;
        res.json(ctx.queue.jobs({ state: state === 'pending' || state === 'done' || state === 'dead' ? state : undefined }));
      });
    },
  },
});

async function forward(ctx: PluginContext<Config>, job: ForwardJob, signal: AbortSignal): Promise<void> {
  const dest = ctx.config.destinations.find((d) => d.aeTitle === job.aeTitle);
  if (!dest) {
    ctx.log.warn('forward dropped: destination no longer configured', { destination: job.aeTitle });
    return;
  }
  const instances = ctx.index.instancesOf(job.seriesId);
  if (instances.length === 0) {
    ctx.log.warn('forward dropped: series no longer stored', { seriesId: job.seriesId });
    return;
  }
  if (signal.aborted) throw new Error('stopped before sending');
  // Throwing makes the queue retry later: the peer is down, refused the association, or did not store every instance.
  const report = await ctx.dicom.send(peerOf(ctx, dest), instances, { timeoutMs: ctx.config.timeoutMs });
  if (report.failed > 0) throw new Error(`${dest.aeTitle} stored ${report.sent} of ${instances.length} instances`);
  ctx.log.info('series forwarded', { seriesId: job.seriesId, version: job.version, destination: dest.aeTitle, instances: report.sent });
}

function peerOf(ctx: PluginContext<Config>, dest: Destination): DicomPeer {
  if (dest.host !== undefined && dest.port !== undefined) return { aeTitle: dest.aeTitle, host: dest.host, port: dest.port };
  const known = ctx.dicom.knownPeer(dest.aeTitle);
  if (!known) throw new Error(`${dest.aeTitle} has no host and port here nor under dicom.modalities`);
  return known;
}

function matches(when: Destination['when'], series: SeriesView, event: SeriesStableEvent): boolean {
  const tags = series.mainTags;
  if (when.modalities && !when.modalities.includes(event.modality ?? '')) return false;
  if (when.bodyParts && !when.bodyParts.includes(tags.BodyPartExamined ?? '')) return false;
  if (when.seriesDescription && !new RegExp(when.seriesDescription, 'i').test(tags.SeriesDescription ?? '')) return false;
  if (when.minInstances && event.instanceCount < when.minInstances) return false;
  return true;
}

function isRegex(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}
