import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { VigilError } from '../../core/errors.js';
import type { ConnectionAnswer, ConnectionRequest, ConnectionSettings } from './protocol.js';

/** A statement PostgreSQL refused (its SQLSTATE in `code`), as better-sqlite3 throws a SqliteError. */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

/**
 * One PostgreSQL connection used synchronously from the node's thread: each request is posted to
 * the connection's own thread (connection-thread.ts), and this thread waits for the answer with
 * Atomics.wait, bounded by the statement timeout plus a margin. The node's thread is held for
 * the round trip, as better-sqlite3 holds it for a read of the file: keep the database near the
 * node (see config/cluster/README.md on round trips per instance).
 */
export class SyncConnection {
  private readonly thread: Worker;
  private readonly port: MessagePort;
  private readonly answered = new Int32Array(new SharedArrayBuffer(4));
  private lastId = 0;
  private ended = false;

  constructor(private readonly settings: ConnectionSettings) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.thread = new Worker(threadEntry(), {
      workerData: { settings, port: port2, signal: this.answered.buffer },
      transferList: [port2],
    });
    // The thread never keeps the node alive on its own; end() stops it at a stop.
    this.thread.unref();
  }

  /** Runs one request and returns its answer; throws INDEX_UNAVAILABLE when no answer comes in time or the connection is gone. */
  query(sql: string, params: unknown[] | null, opts: { mayReconnect: boolean }): { rows: Record<string, unknown>[]; rowCount: number } {
    if (this.ended) throw new VigilError('INDEX_UNAVAILABLE', 'the index connection is closed');
    const answer = this.request({ id: this.nextId(), kind: 'query', sql, params, mayReconnect: opts.mayReconnect });
    if (answer.ok) return { rows: answer.rows.map(asBuffers), rowCount: answer.rowCount };
    if (answer.error.lost) throw new VigilError('INDEX_UNAVAILABLE', `the index database cannot be reached: ${answer.error.message}`);
    throw new PostgresError(answer.error.message, answer.error.code);
  }

  end(): void {
    if (this.ended) return;
    try {
      this.request({ id: this.nextId(), kind: 'end' });
    } catch {
      // Gone already: terminating the thread below is all that is left to do.
    }
    this.ended = true;
    void this.thread.terminate();
  }

  private nextId(): number {
    this.lastId = this.lastId >= 0x7fffffff ? 1 : this.lastId + 1;
    return this.lastId;
  }

  private request(request: ConnectionRequest): ConnectionAnswer {
    this.port.postMessage(request);
    // The server gives up at statement_timeout; past that and a margin the connection itself is stuck.
    const deadline = Date.now() + this.settings.statementTimeoutMs + 5_000;
    for (;;) {
      const seen = Atomics.load(this.answered, 0);
      if (seen === request.id) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new VigilError('INDEX_UNAVAILABLE', `the index database did not answer within ${this.settings.statementTimeoutMs + 5_000} ms`);
      Atomics.wait(this.answered, 0, seen, left);
    }
    // Answers to requests given up on earlier arrive first: they are dropped here.
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (!received) throw new VigilError('INDEX_UNAVAILABLE', 'the index connection answered without a message');
      const answer = received.message as ConnectionAnswer;
      if (answer.id === request.id) return answer;
    }
  }
}

/** Values cross threads as structured clones: a Buffer arrives as a Uint8Array. */
function asBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return row;
}

function threadEntry(): URL {
  const typescript = import.meta.url.endsWith('.ts');
  return new URL(typescript ? './connection-boot.mjs' : './connection-thread.js', import.meta.url);
}
