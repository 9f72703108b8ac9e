import { parentPort } from 'node:worker_threads';
import { isVigilError } from '../../errors.js';
import { checkPack } from './pack-check.js';
import { runJob } from './run-job.js';
import type { NativeNotice, ReadyNotice, WorkerRequest, WorkerResponse } from './protocol.js';
import { observeNative } from './sessions.js';
import { describeError } from '../../log/describe-error.js';

/**
 * A triage worker thread: decodes, preprocesses and runs ONNX Runtime off the main thread
 * (ORT's run() blocks its thread). One request at a time; the pool times it out and replaces
 * the whole worker when needed.
 */
const port = parentPort;
if (!port) throw new Error('worker-main runs as a worker thread');

observeNative((native) => port.postMessage({ native } satisfies NativeNotice));

port.on('message', (request: WorkerRequest) => {
  void handle(request).then((response) => {
    const transfer: ArrayBuffer[] = [];
    if (response.ok && 'map' in response.result) {
      const job = response.result;
      transfer.push(job.map.buffer as ArrayBuffer);
      if (job.keyImagePng) transfer.push(job.keyImagePng.buffer as ArrayBuffer);
    }
    port.postMessage(response, transfer);
  });
});

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  try {
    switch (request.kind) {
      case 'check-pack':
        return { id: request.id, ok: true, result: await checkPack(request.pack) };
      case 'run-job':
        return { id: request.id, ok: true, result: await runJob(request.pack, request.files, request.keyImageMaxSide) };
      default:
        return request satisfies never;
    }
  } catch (err) {
    if (isVigilError(err)) return { id: request.id, ok: false, error: { code: err.code, message: err.message } };
    return { id: request.id, ok: false, error: { code: 'INTERNAL', message: describeError(err) } };
  }
}

port.postMessage({ ready: true } satisfies ReadyNotice);
