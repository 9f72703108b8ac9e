import { Worker } from 'node:worker_threads';
import { VigilError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { JobResult, PackCheckResult, WorkerMessage, WorkerRequest, WorkerTask } from './protocol.js';
import { describeError } from '../../log/describe-error.js';

type ResultOf<T extends WorkerTask> = T extends { kind: 'check-pack' } ? PackCheckResult : JobResult;

interface Pending {
  request: WorkerRequest;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(err: VigilError): void;
}

interface Slot {
  worker: Worker;
  current: (Pending & { timer: NodeJS.Timeout }) | null;
  /** Inside ONNX Runtime's native code, where terminating the thread would abort the process. */
  native: boolean;
  /** Out of the pool, ended as soon as it leaves native code. */
  draining: boolean;
  /** Modules loaded: thread start-up never counts against a task's bound. */
  ready: boolean;
}

/**
 * A fixed-size pool of triage worker threads, started on first use. Each worker runs one task at
 * a time under a wall-clock bound; a worker that times out, runs out of heap or dies is replaced
 * and only its own task fails (TRIAGE_TIMEOUT, TRIAGE_MEMORY_LIMIT, TRIAGE_WORKER_CRASHED). The
 * main thread only posts messages: it never decodes, preprocesses or infers.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(private readonly opts: { size: number; heapMb: number; log: Logger }) {}

  get size(): number {
    return this.opts.size;
  }

  /** Tasks running now. */
  get busy(): number {
    return [...this.slots].filter((s) => s.current).length;
  }

  run<T extends WorkerTask>(task: T, timeoutMs: number): Promise<ResultOf<T>> {
    if (this.stopped) return Promise.reject(new VigilError('TRIAGE_WORKER_CRASHED', 'the worker pool is stopped'));
    return new Promise<ResultOf<T>>((resolve, reject) => {
      this.queue.push({ request: { ...task, id: this.nextId++ }, timeoutMs, resolve: resolve, reject });
      this.dispatch();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const pending of this.queue.splice(0)) pending.reject(new VigilError('TRIAGE_WORKER_CRASHED', 'the worker pool stopped'));
    await Promise.all([...this.slots].map((slot) => this.retire(slot, new VigilError('TRIAGE_WORKER_CRASHED', 'the worker pool stopped'))));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = [...this.slots].find((s) => s.ready && !s.current);
      if (!slot) {
        // Start another worker if there is room; its 'ready' dispatches again.
        if (this.slots.size < this.opts.size) this.spawn();
        return;
      }
      const pending = this.queue.shift()!;
      const timer = setTimeout(() => {
        void this.retire(slot, new VigilError('TRIAGE_TIMEOUT', `the job took longer than its bound of ${pending.timeoutMs} ms`));
      }, pending.timeoutMs);
      slot.current = { ...pending, timer };
      slot.worker.postMessage(pending.request);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(workerEntry(), { resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb } });
    worker.unref();
    const slot: Slot = { worker, current: null, native: false, draining: false, ready: false };
    this.slots.add(slot);
    worker.on('message', (response: WorkerMessage) => {
      if ('ready' in response) {
        slot.ready = true;
        this.dispatch();
        return;
      }
      if ('native' in response) {
        slot.native = response.native;
        if (slot.draining && !slot.native) void worker.terminate();
        return;
      }
      const current = slot.current;
      if (!current || current.request.id !== response.id) return;
      clearTimeout(current.timer);
      slot.current = null;
      if (response.ok) current.resolve(response.result);
      else current.reject(new VigilError(response.error.code, response.error.message));
      this.dispatch();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const outOfMemory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.opts.log.warn('triage worker failed', { error: describeError(err), code: err.code });
      void this.retire(
        slot,
        new VigilError(outOfMemory ? 'TRIAGE_MEMORY_LIMIT' : 'TRIAGE_WORKER_CRASHED', outOfMemory ? 'the worker ran out of heap' : `the worker failed: ${describeError(err)}`),
      );
    });
    worker.on('exit', (code) => {
      if (this.slots.has(slot)) void this.retire(slot, new VigilError('TRIAGE_WORKER_CRASHED', `the worker exited with code ${code}`));
    });
    return slot;
  }

  /** Takes a worker out of the pool, fails its task, and lets the queue go on with a new one. */
  private async retire(slot: Slot, reason: VigilError): Promise<void> {
    if (!this.slots.delete(slot)) return;
    const current = slot.current;
    slot.current = null;
    if (current) {
      clearTimeout(current.timer);
      current.reject(reason);
    }
    if (!slot.ready) {
      // A worker that cannot even start would be replaced forever: fail what waits instead.
      for (const pending of this.queue.splice(0)) pending.reject(new VigilError('TRIAGE_WORKER_CRASHED', `no triage worker could start: ${reason.message}`));
    }
    if (!this.stopped) this.dispatch();
    if (slot.native) {
      // A model overrunning its bound inside ORT: end the thread when ORT returns (it posts that).
      slot.draining = true;
      this.opts.log.warn('triage worker left to finish its model run before it ends', { reason: reason.code });
      await new Promise((resolve) => slot.worker.once('exit', resolve));
      return;
    }
    await slot.worker.terminate().catch(() => undefined);
  }
}

/**
 * The worker's entry file: under tsx (npm start, mocha) this module is TypeScript and the worker
 * starts through a small bootstrap that registers tsx in its own thread.
 */
function workerEntry(): URL {
  const typescript = import.meta.url.endsWith('.ts');
  return new URL(typescript ? './worker-boot.mjs' : './worker-main.js', import.meta.url);
}
