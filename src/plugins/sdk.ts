/**
 * The public plugin SDK: everything a plugin compiles against, and nothing else of the core.
 *
 *   import { definePlugin, z } from 'vigil/sdk';
 *   export default definePlugin({ id: 'my-plugin', version: '1.0.0', coreRange: '^0.1.0', hooks: { ... } });
 *
 * See plugins/README.md. A plugin reaches the node only through the `ctx` its hooks receive.
 */
import type { Router } from 'express';
import { z } from 'zod';
import type {
  DicomPeer,
  Finding,
  InstanceStoredEvent,
  JobState,
  MainTags,
  PluginServices,
  QueuedJob,
  SendReport,
  SeriesStableEvent,
  StableReason,
} from './sdk-types.js';
import type { HookName } from './hooks.js';

/** zod, so that a plugin's configSchema needs no dependency of its own. */
export { z };
export { allow, allowUnaudited } from './route-guards.js';
export { HOOKS, HOOK_NAMES, type HookName } from './hooks.js';
// The SDK's own types (sdk-types.ts), never the core's: a plugin compiles against this contract only.
export type * from './sdk-types.js';

/** What the host passes to every hook call besides its payload. */
export interface HookCall {
  /** Aborted when the hook's time is up or the node is stopping: stop work and return. */
  signal: AbortSignal;
}

/**
 * A plugin's log lines carry its id. As everywhere in the node, fields named for patient data
 * are blanked and an Error is logged by class and code, never its message: keep patient data
 * out of the message text.
 */
export interface PluginLogger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/** An incoming instance as filterIncomingStore sees it: its header, never its pixels. */
export interface IncomingInstanceView {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  callingAeTitle: string;
  remoteAddress: string | null;
  /** Main tags by level, as the index will keep them. */
  tags: { patient: MainTags; study: MainTags; series: MainTags; instance: MainTags };
  /** The whole header, naturalized by dcmjs (keywords as keys). */
  attrs: Readonly<Record<string, unknown>>;
}

/** filterIncomingStore refuses an instance by returning this (undefined accepts it). */
export interface StoreRefusal {
  /** A C-STORE failure status (0xA7xx, 0xA9xx, 0xCxxx, 0x0110, 0x0122, 0x0124); default 0x0124 (not authorized). */
  status?: number;
  /** Why, for the log and the DIMSE error comment (no patient data). */
  reason: string;
}

export interface StudyView {
  id: string;
  patientId: string;
  mainTags: MainTags;
  patientMainTags: MainTags;
}

export interface SeriesView {
  id: string;
  studyId: string;
  mainTags: MainTags;
  /** The series tracker's view: open, or stable at a version, and how it knew. */
  stability: { state: 'open' | 'stable'; version: number; reason: StableReason | null } | null;
}

export interface InstanceView {
  id: string;
  seriesId: string;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  mainTags: MainTags;
  /** Absolute path of the Part 10 file, for reading only. */
  file: string;
}

/** Read-only access to the index. */
export interface IndexFacade {
  study(id: string): StudyView | undefined;
  series(id: string): SeriesView | undefined;
  instance(id: string): InstanceView | undefined;
  /** The instances of a series, in instance-number order. */
  instancesOf(seriesId: string): InstanceView[];
}

/** C-STORE to other nodes, with the node's AE title as the calling AE. */
export interface DicomSender {
  /** Sends the files as stored. Throws a VigilError DICOM_PEER_UNAVAILABLE when no association is made. */
  send(peer: DicomPeer, instances: readonly InstanceView[], opts?: { timeoutMs?: number }): Promise<SendReport>;
  /** A node configured under dicom.modalities with a host and a port. */
  knownPeer(aeTitle: string): DicomPeer | undefined;
}

/** Retries of a queue's failed jobs: exponential back-off from initialDelayMs up to maxDelayMs. */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts the job is dead (kept, visible, no longer retried). */
  maxAttempts: number;
  /** A job running longer is a failed attempt; its signal is aborted. */
  timeoutMs: number;
}

/**
 * The plugin's own durable queue in the index: jobs survive a restart, run one at a time, and
 * a job whose handler throws is retried with back-off.
 */
export interface PluginQueue {
  /** Adds a job; false when a job with this key exists already (keys make enqueueing idempotent). */
  enqueue(key: string, payload: unknown): boolean;
  /** Starts working the queue (call it once, from onReady); resolve = done, throw = retry later. */
  work<P>(handler: (job: QueuedJob<P>, call: HookCall) => Promise<void>, policy?: Partial<RetryPolicy>): void;
  jobs(opts?: { state?: JobState; limit?: number }): QueuedJob[];
}

/** Everything a plugin may reach. */
export interface PluginContext<C = unknown> extends PluginServices {
  readonly id: string;
  readonly log: PluginLogger;
  /** The plugin's section of `plugins.config`, validated by its configSchema. */
  readonly config: C;
  readonly node: { aeTitle: string; version: string };
  readonly index: IndexFacade;
  readonly dicom: DicomSender;
  readonly queue: PluginQueue;
}

type Awaitable<T> = T | Promise<T>;

/** The hooks a plugin may implement; the keys are exactly the core's vocabulary (hooks.ts). */
export interface PluginHooks<C = unknown> {
  filterIncomingStore?(instance: IncomingInstanceView, ctx: PluginContext<C>, call: HookCall): Awaitable<StoreRefusal | undefined>;
  onInstanceStored?(event: InstanceStoredEvent, ctx: PluginContext<C>, call: HookCall): Awaitable<void>;
  onSeriesStable?(event: SeriesStableEvent, ctx: PluginContext<C>, call: HookCall): Awaitable<void>;
  onFinding?(finding: Finding, ctx: PluginContext<C>, call: HookCall): Awaitable<void>;
  /** Add routes to `router`; each must begin with allow(...) or allowUnaudited(...) from this SDK. */
  routes?(router: Router, ctx: PluginContext<C>): void;
  onReady?(ctx: PluginContext<C>, call: HookCall): Awaitable<void>;
  onClose?(ctx: PluginContext<C>, call: HookCall): Awaitable<void>;
}

export interface PluginDefinition<S extends z.ZodType = z.ZodType> {
  /** Lowercase letters, digits and dashes; the name of the plugin's folder. */
  id: string;
  /** The plugin's own version (semver). */
  version: string;
  /** The core versions it works with (a semver range, e.g. "^0.1.0"). */
  coreRange: string;
  /** Plugins that must be loaded before this one. */
  dependsOn?: readonly string[];
  /** Schema of the plugin's section of `plugins.config`; without one the section must be absent. */
  configSchema?: S;
  /** Routing rules the plugin ships (opaque to the host; src/rules/ validates and applies them). */
  defaultRules?: readonly unknown[];
  hooks: PluginHooks<z.output<S>>;
}

/** Identity at run time; it exists so the editor types `ctx.config` from the configSchema. */
export function definePlugin<S extends z.ZodType = z.ZodUndefined>(definition: PluginDefinition<S>): PluginDefinition<S> {
  return definition;
}

/** Compile-time check that the hooks interface and the vocabulary name the same hooks. */
type SameKeys<A, B> = [Exclude<keyof A, B>, Exclude<B, keyof A>] extends [never, never] ? true : never;
true satisfies SameKeys<PluginHooks, HookName>;
