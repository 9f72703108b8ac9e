import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VigilError } from '../../core/errors.js';
import type { Logger } from '../../log/logger.js';
import type { ExecutionProvider } from '../../core/execution-provider.js';
import type { JobResult, PackCheckResult, WorkerMessage, WorkerRequest, WorkerTask } from './protocol.js';

type ResultOf<T extends WorkerTask> = T extends { kind: 'check-pack' } ? PackCheckResult : JobResult;

interface Pending {
  request: WorkerRequest;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(err: VigilError): void;
}

interface Slot {
  /** 0 … size - 1, the lowest free one at start: which execution provider (GPU) the worker gets. */
  index: number;
  child: ChildProcess;
  current: (Pending & { timer: NodeJS.Timeout }) | null;
  /** Modules loaded: process start-up never counts against a task's bound. */
  ready: boolean;
  /** The end of the process's stderr, read only to tell a heap exhaustion from another crash. */
  stderrTail: string;
  exited: Promise<void>;
}

/** What V8 prints before it aborts a process whose heap is full. */
const OUT_OF_HEAP = /heap out of memory|Reached heap limit/;
const STDERR_TAIL = 4096;

/**
 * A fixed-size pool of triage worker PROCESSES (node:child_process fork, IPC channel with the
 * structured-clone serialisation that worker threads use), started on first use. Each runs one
 * task at a time under a wall-clock bound. Nothing of the node lives in a worker, so an overdue
 * one is ended with SIGKILL wherever it is, ONNX Runtime's native code included, and a native
 * crash (abort, segfault in ORT or a custom op) ends only that process: its task fails
 * (TRIAGE_TIMEOUT, TRIAGE_MEMORY_LIMIT, TRIAGE_WORKER_CRASHED), the next task gets a new process.
 * The node only sends messages: it never decodes, preprocesses or infers. A request carries the
 * series' file paths, not its pixels: the worker reads the files itself.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(private readonly opts: { size: number; heapMb: number; log: Logger; providerFor?: (worker: number) => ExecutionProvider }) {}

  get size(): number {
    return this.opts.size;
  }

  /** Tasks running now. */
  get busy(): number {
    return [...this.slots].filter((s) => s.current).length;
  }

  /** Process ids of the live workers (for tests and diagnostics). */
  get pids(): number[] {
    return [...this.slots].map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
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
        this.opts.log.warn('triage worker process killed at its task bound', { pid: slot.child.pid, boundMs: pending.timeoutMs });
        void this.retire(slot, new VigilError('TRIAGE_TIMEOUT', `the job took longer than its bound of ${pending.timeoutMs} ms`));
      }, pending.timeoutMs);
      slot.current = { ...pending, timer };
      slot.child.channel?.ref();
      // A process that died since is handled by its 'exit'; nothing to do for the send itself.
      slot.child.send(pending.request, (err) => void err);
    }
  }

  private spawn(): Slot {
    const taken = new Set([...this.slots].map((s) => s.index));
    let index = 0;
    while (taken.has(index)) index++;
    const provider: ExecutionProvider = this.opts.providerFor?.(index) ?? { name: 'cpu' };
    const child = fork(workerEntry(), [JSON.stringify(provider)], {
      // The JS heap bound; native memory (ORT's tensors, the codecs' WASM) is bounded by nothing
      // here but the machine or the container's cgroup: see README, Triage.
      execArgv: [`--max-old-space-size=${this.opts.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let markExited!: () => void;
    const slot: Slot = { index, child, current: null, ready: false, stderrTail: '', exited: new Promise((resolve) => (markExited = resolve)) };
    this.slots.add(slot);
    // An idle worker never keeps the node alive (stop() ends it, and it ends itself when the node
    // goes); one starting or running a task does, as a worker thread would: a task awaited by
    // the node's start-up (the pack checks) is often the only thing left on the event loop.
    child.unref();
    const stderr = child.stderr as (NodeJS.ReadableStream & { unref?(): void }) | null;
    stderr?.unref?.();
    stderr?.on('data', (chunk: Buffer) => {
      // Kept, never logged: a worker's stderr may name files.
      slot.stderrTail = (slot.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('message', (response: WorkerMessage) => {
      if ('ready' in response) {
        slot.ready = true;
        child.channel?.unref();
        this.dispatch();
        return;
      }
      const current = slot.current;
      if (!current || current.request.id !== response.id) return;
      clearTimeout(current.timer);
      slot.current = null;
      child.channel?.unref();
      if (response.ok) current.resolve(response.result);
      else current.reject(new VigilError(response.error.code, response.error.message));
      this.dispatch();
    });
    child.on('error', (err) => {
      // A process that could not be started or signalled; 'exit' follows when it had started.
      this.opts.log.warn('triage worker process failed', { pid: child.pid, code: (err as NodeJS.ErrnoException).code });
      if (child.pid === undefined) {
        markExited();
        void this.retire(slot, new VigilError('TRIAGE_WORKER_CRASHED', `the worker process could not start: ${err.message}`));
      }
    });
    // 'close', not 'exit': by then stderr has been read to its end (V8's out-of-heap lines).
    child.on('close', (code, signal) => {
      markExited();
      if (!this.slots.has(slot)) return;
      const outOfHeap = OUT_OF_HEAP.test(slot.stderrTail);
      const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
      // Before its first task a worker has read nothing of a patient's: its stderr says why it could not start.
      const startError = slot.ready ? undefined : slot.stderrTail.trim().slice(-500);
      this.opts.log.warn('triage worker process ended', { pid: child.pid, exitCode: code, signal, outOfHeap, busy: slot.current !== null, startError });
      void this.retire(
        slot,
        outOfHeap
          ? new VigilError('TRIAGE_MEMORY_LIMIT', `the worker process ran out of heap (triage.workerHeapMb ${this.opts.heapMb}) and ${how}`)
          : new VigilError('TRIAGE_WORKER_CRASHED', `the worker process ${how}`),
      );
    });
    return slot;
  }

  /** Takes a worker out of the pool, fails its task, ends its process, lets the queue go on with a new one. */
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
    // SIGKILL is safe: the process holds nothing of the node's (no database, no socket, no file
    // being written), and it ends a run stuck in native code, where SIGTERM might never be seen.
    if (slot.child.exitCode === null && slot.child.signalCode === null) slot.child.kill('SIGKILL');
    await slot.exited;
  }
}

/**
 * The worker's entry file. Under tsx (npm start, mocha, the Docker image: all run the TypeScript
 * sources) this module is TypeScript and the worker starts through a small bootstrap that
 * registers tsx in the new process; JavaScript built from these sources starts worker-main.js.
 */
function workerEntry(): string {
  const typescript = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(typescript ? './worker-boot.mjs' : './worker-main.js', import.meta.url));
}
