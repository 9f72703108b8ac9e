import { Worker } from 'node:worker_threads';
import { isVigilError } from '../../core/errors.js';
import { checkPack } from './pack-check.js';
import { runJob } from './run-job.js';
import type { ReadyNotice, WorkerRequest, WorkerResponse } from './protocol.js';
import { useExecutionProvider } from './sessions.js';
import type { ExecutionProvider } from '../../core/execution-provider.js';
import { describeError } from '../../log/describe-error.js';

/**
 * A triage worker process: decodes, preprocesses and runs ONNX Runtime out of the node's process
 * (ORT's run() blocks its thread; a crash in native code must not take the receiver with it).
 * One request at a time; the pool bounds it and kills the whole process when needed. Its one
 * argument is the execution provider (JSON) its sessions use.
 */
const send = process.send?.bind(process);
if (!send) throw new Error('worker-main runs as a child process with an IPC channel (the triage worker pool forks it)');

useExecutionProvider(JSON.parse(process.argv[2] ?? '{"name":"cpu"}') as ExecutionProvider);

process.on('message', (request: WorkerRequest) => {
  void handle(request).then((response) => send(response));
});
// The node is gone (stopped, crashed or killed): nothing is left to answer to.
process.on('disconnect', () => process.exit(0));
// The same while this process's main thread is stuck in a run ('disconnect' would wait for it):
// a watchdog thread ends the process once it has been handed to another parent. A thread can
// signal its own process while the main thread is inside ONNX Runtime.
new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 1000);`,
  { eval: true, workerData: process.ppid },
).unref();

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

send({ ready: true } satisfies ReadyNotice);
