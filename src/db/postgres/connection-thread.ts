import { workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { ConnectionAnswer, ConnectionFailure, ConnectionRequest, ConnectionSettings } from './protocol.js';

/**
 * The thread that owns the index's PostgreSQL connection. The node's thread posts a statement
 * and sleeps on `signal` (Atomics.wait) until this thread has posted the answer and written the
 * request's id there: so the node's repositories stay synchronous, as on SQLite, and one
 * statement runs at a time on one connection (a transaction spans several requests).
 */
const { settings, port, signal } = workerData as { settings: ConnectionSettings; port: MessagePort; signal: SharedArrayBuffer };
const answered = new Int32Array(signal);

/**
 * Values as SQLite gives them, so that one repository reads both engines alike: BIGINT and
 * NUMERIC as numbers (counts, sums, milliseconds: all within 2^53), booleans as 1 / 0, JSON as its text.
 */
const PARSERS = new Map<number, (text: string) => unknown>([
  [20, Number], // int8
  [1700, Number], // numeric
  [16, (text) => (text === 't' ? 1 : 0)], // bool
  [114, (text) => text], // json
  [3802, (text) => text], // jsonb
]);
const defaultParser = (oid: number): ((text: string) => unknown) => pg.types.getTypeParser(oid, 'text') as (text: string) => unknown;
const types = {
  getTypeParser: ((oid: number) => PARSERS.get(oid) ?? defaultParser(oid)) as typeof pg.types.getTypeParser,
};

let client: pg.Client | null = null;
let lost = false;

async function connection(mayReconnect: boolean): Promise<pg.Client> {
  if (client && !lost) return client;
  if (client && !mayReconnect)
    throw Object.assign(new Error('the connection was lost inside a transaction; the server rolled it back'), { code: 'ECONNRESET' });
  await client?.end().catch(() => undefined);
  client = null;
  lost = false;
  const fresh = new pg.Client({
    connectionString: settings.url,
    application_name: settings.applicationName,
    statement_timeout: settings.statementTimeoutMs,
    // A node stuck between statements of a transaction must not hold its locks for ever.
    idle_in_transaction_session_timeout: Math.max(60_000, settings.statementTimeoutMs * 2),
    connectionTimeoutMillis: settings.statementTimeoutMs,
    types,
  });
  fresh.on('error', () => (lost = true));
  try {
    await fresh.connect();
  } catch (err) {
    await fresh.end().catch(() => undefined);
    throw err;
  }
  client = fresh;
  return fresh;
}

async function handle(request: ConnectionRequest): Promise<ConnectionAnswer> {
  if (request.kind === 'end') {
    await client?.end().catch(() => undefined);
    client = null;
    return { id: request.id, ok: true, rows: [], rowCount: 0 };
  }
  try {
    const c = await connection(request.mayReconnect);
    const result = request.params === null ? await c.query(request.sql) : await c.query(request.sql, request.params);
    // Several statements (a migration) give one result each: the last one answers.
    const last = Array.isArray(result) ? (result.at(-1) as pg.QueryResult) : result;
    return { id: request.id, ok: true, rows: (last?.rows ?? []) as Record<string, unknown>[], rowCount: last?.rowCount ?? 0 };
  } catch (err) {
    return { id: request.id, ok: false, error: failure(err) };
  }
}

function failure(err: unknown): ConnectionFailure {
  const e = err as { message?: string; code?: unknown; severity?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  // A statement the server refused has a severity; anything else (a reset, a timeout, a refused
  // connection) leaves the connection unusable.
  const refusedByServer = typeof e.severity === 'string' && code !== '57P01' && code !== '57P02' && code !== '57P03';
  // The client is kept, marked lost, until a statement that may reconnect replaces it: so the
  // rest of a transaction fails instead of running on a new connection of its own.
  if (!refusedByServer) lost = true;
  return { message: e.message ?? String(err), ...(code ? { code } : {}), lost: !refusedByServer };
}

let chain = Promise.resolve();
port.on('message', (request: ConnectionRequest) => {
  chain = chain.then(async () => {
    const answer = await handle(request);
    try {
      port.postMessage(answer);
    } catch (err) {
      // A value that cannot cross threads: the statement is answered with the error rather than
      // never (the node's thread would wait out its timeout, and every request after it too).
      port.postMessage({ id: request.id, ok: false, error: { message: `the answer could not be passed on: ${(err as Error).message}`, lost: false } });
    }
    Atomics.store(answered, 0, request.id);
    Atomics.notify(answered, 0);
  });
});
