import { tlsClientOptions } from '../config/tls-client.js';
import type { Clock } from '../core/clock.js';
import type { DicomConfig } from '../config/sections/dicom.js';
import { sendFiles } from '../dicom/net/store-scu.js';
import type { Logger } from '../log/logger.js';
import { JobStore, type QueuedJob } from '../queue/job-store.js';
import type { IndexJobQueue } from '../queue/index-queue.js';
import { QueueWorker } from '../queue/worker.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import type { Db } from '../db/database.js';
import type { ForwardRequest } from './sink.js';

/** The forwards' queue in the durable job queue (plugin queues are all `plugin:<id>`, so none shares it). */
export const FORWARD_QUEUE = 'rule-forwards';

interface ForwardJob {
  seriesId: string;
  version: number;
  destination: string;
  ruleId: string;
}

export interface RuleForwarderDeps {
  db: Db;
  dicom: DicomConfig;
  index: DicomIndex;
  files: FileStore;
  clock: Clock;
  log: Logger;
  /** The series tracker's current version, so a reopened series is sent again once stable. */
  versionOf: (seriesId: string) => number | undefined;
  /** The node's durable job queue (its metrics); one of its own on `db` when not given. */
  queue?: IndexJobQueue;
}

/**
 * The rules' `forward: [AE]` action: C-STORE of the series, as stored, to a modality of
 * dicom.modalities, through a worker of the node's one durable job queue (queue `rule-forwards`,
 * the worker's default back-off and time limit), so a forward waiting for a down PACS survives a
 * restart. One job per series version and destination: a routing decision repeated after a crash
 * queues nothing new.
 */
export class RuleForwarder {
  private readonly queue: QueueWorker;

  constructor(private readonly deps: RuleForwarderDeps) {
    this.queue = new QueueWorker(new JobStore(deps.db, FORWARD_QUEUE, { queue: deps.queue }), deps.clock, deps.log);
  }

  forward(request: ForwardRequest): void {
    const version = this.deps.versionOf(request.seriesId) || 1;
    const job: ForwardJob = { seriesId: request.seriesId, version, destination: request.destination, ruleId: request.ruleId };
    if (this.queue.enqueue(`${job.seriesId}/v${version}/${job.destination}`, job)) {
      this.deps.log.info('series queued for forwarding', { seriesId: job.seriesId, version, destination: job.destination, ruleId: job.ruleId });
    }
  }

  /** Pending, done and dead forwards, newest first: ids, destinations, attempts, errors. */
  jobs(opts: { state?: QueuedJob['state']; limit?: number } = {}): QueuedJob[] {
    return this.queue.jobs(opts);
  }

  start(): void {
    this.queue.work<ForwardJob>((job) => this.send(job.payload));
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  /** Another process queued a forward (src/db/commit-watch.ts); nothing before `start`. */
  wake(): void {
    this.queue.wake();
  }

  private async send(job: ForwardJob): Promise<void> {
    const { dicom, index, files, log } = this.deps;
    const peer = dicom.modalities.find((m) => m.aeTitle === job.destination && m.host && m.port);
    // A destination taken out of dicom.modalities since: retrying cannot help.
    if (!peer)
      return void log.warn('forward dropped: destination no longer in dicom.modalities with a port', { destination: job.destination, seriesId: job.seriesId });
    const instances = index.instancesUnder('series', job.seriesId);
    if (instances.length === 0) return void log.warn('forward dropped: series no longer stored', { seriesId: job.seriesId });
    // Throwing makes the queue retry with back-off: the peer is down, refused, or did not store everything.
    const report = await sendFiles(
      { aeTitle: peer.aeTitle, host: peer.host!, port: peer.port! },
      instances.map((i) => files.absolutePath(i.filePath)),
      { callingAeTitle: dicom.aeTitle, tls: tlsClientOptions(peer.tls) },
    );
    if (report.failed > 0) throw new Error(`${job.destination} stored ${report.sent} of ${instances.length} instances`);
    log.info('series forwarded', { seriesId: job.seriesId, version: job.version, destination: job.destination, instances: report.sent, ruleId: job.ruleId });
  }
}
