import type { ErrorCode } from '../../core/errors.js';
import type { Localisation } from '../localisation.js';
import type { Manifest } from '../manifest.js';

/** A model pack as a worker needs it: where it is, what it declares, how many threads to use. */
export interface PackRef {
  dir: string;
  manifest: Manifest;
  threads: number;
}

/** What the node asks a triage worker process to do. One request at a time per worker. */
export type WorkerTask =
  /** Checks a pack: SHA-256, inputs and outputs against the manifest, the test vector. */
  | { kind: 'check-pack'; pack: PackRef }
  /** Reads, decodes, preprocesses and infers one series; renders the key image. */
  | { kind: 'run-job'; pack: PackRef; files: string[]; keyImageMaxSide: number };

export type WorkerRequest = WorkerTask & { id: number };

export interface PackCheckResult {
  inputShape: (number | string)[];
  testVectorMaxError: number;
}

export interface JobResult {
  /** After the declared activation. */
  probability: number;
  /** Localisation map after the activation, leading dimensions of 1 dropped. */
  map: Float32Array;
  mapShape: number[];
  inputShape: number[];
  /** Index into the job's files of the key image, its frame, its index among the sorted images, and the tensor slice it matched. */
  keyFile: number | null;
  keySourceIndex: number | null;
  keyFrame: number | null;
  keySlice: number | null;
  keyImagePng: Uint8Array | null;
  /** How the map lies on the source images (for a DICOM Segmentation of it); null without a key image. */
  localisation: Localisation | null;
  timings: { readMs: number; decodeMs: number; preprocessMs: number; inferenceMs: number; keyImageMs: number };
}

export type WorkerResponse =
  { id: number; ok: true; result: PackCheckResult | JobResult } | { id: number; ok: false; error: { code: ErrorCode; message: string } };

/** Sent once the worker process has loaded its modules: time bounds start only on a ready worker. */
export interface ReadyNotice {
  ready: true;
}

export type WorkerMessage = WorkerResponse | ReadyNotice;

/** Checking a pack loads its model: bounded generously, whatever the pack's job bound. */
export function packCheckBoundMs(jobBoundMs: number): number {
  return Math.max(jobBoundMs, 120_000);
}
