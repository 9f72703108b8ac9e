import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { JobStore } from '../queue/job-store.js';
import type { IndexJobQueue } from '../queue/index-queue.js';
import { QueueWorker } from '../queue/worker.js';
import type { HookCall, JobState, PluginQueue, QueuedJob, RetryPolicy } from './sdk.js';

/**
 * A plugin's jobs live in the one durable job queue under the queue `plugin:<plugin id>`. Plugin
 * migration 2 names the jobs it carried over from plugin_jobs the same way.
 */
export function pluginQueueName(pluginId: string): string {
  return `plugin:${pluginId}`;
}

/** The plugin whose queue this is (undefined for the node's own queues). */
export function pluginOfQueue(queue: string): string | undefined {
  return queue.startsWith('plugin:') ? queue.slice('plugin:'.length) : undefined;
}

export interface PluginQueueDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Counts a failed attempt (the host's metrics). */
  onFailure: (error: unknown) => void;
  /** The node's durable job queue (its metrics); one of its own on `db` when not given. */
  queue?: IndexJobQueue;
  /**
   * False on a node without the `triage` role: the plugin's handler is taken but no job is
   * claimed here (a triage-role node of the cluster runs them). True when not given.
   */
  claims?: boolean;
}

/**
 * A plugin's ctx.queue: the SDK's PluginQueue over a worker of the durable job queue
 * (src/queue/worker.ts). The SDK's types are its own copies of the worker's (a plugin compiles
 * against the SDK only); test/plugins/sdk-types.test.ts keeps them the same. A failed attempt is
 * coded PLUGIN_HOOK_FAILED in the queue.
 */
export class PluginJobQueue implements PluginQueue {
  private readonly worker: QueueWorker;
  private readonly claims: boolean;

  constructor(pluginId: string, deps: PluginQueueDeps) {
    this.claims = deps.claims ?? true;
    const store = new JobStore(deps.db, pluginQueueName(pluginId), { failureCode: 'PLUGIN_HOOK_FAILED', queue: deps.queue });
    this.worker = new QueueWorker(store, deps.clock, deps.log, deps.onFailure);
  }

  enqueue(key: string, payload: unknown): boolean {
    return this.worker.enqueue(key, payload);
  }

  work<P>(handler: (job: QueuedJob<P>, call: HookCall) => Promise<void>, policy?: Partial<RetryPolicy>): void {
    if (this.claims) this.worker.work<P>(handler, policy);
  }

  /** Another process enqueued a job (a node without `triage` enqueues, one with it runs). */
  wake(): void {
    this.worker.wake();
  }

  jobs(opts?: { state?: JobState; limit?: number }): QueuedJob[] {
    return this.worker.jobs(opts);
  }

  /** Stops taking jobs and waits for the one in hand (the host, when the node stops). */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Resolves once no job is running (tests). */
  idle(): Promise<void> {
    return this.worker.idle();
  }
}
