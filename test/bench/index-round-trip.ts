/**
 * One statement on the node's index, as a repository sends it (synchronously, from the node's
 * thread): the embedded SQLite file against a PostgreSQL server on loopback through the node's
 * own connection (src/db/postgres: the connection's thread, Atomics.wait). A primary-key read and
 * an INSERT in its own transaction (BEGIN, INSERT, COMMIT: three round trips on PostgreSQL), each
 * ROUNDS times, after a warm-up; wall time and this process's CPU time (every thread) per
 * statement, and the server's CPU time per statement (bench-postgres.ts).
 * The figures of a round trip that config/cluster/capacity.md builds on.
 *
 *   npx tsx test/bench/index-round-trip.ts      (ROUNDS=3000; PG_BENCH_OPTIONS as for the ingest bench)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/database.js';
import { PostgresDb } from '../../src/db/postgres/postgres-db.js';
import { SyncConnection } from '../../src/db/postgres/sync-connection.js';
import { POSTGRES_BIN } from '../helpers/postgres.js';
import { BenchPostgres } from './bench-postgres.js';
import { treeCpuSeconds } from './proc-stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3000);

if (!fs.existsSync(path.join(POSTGRES_BIN, 'initdb'))) {
  console.error('missing PostgreSQL 15: apt-get install -y postgresql');
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rtt-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

interface Figure {
  /** Operations run, the warm-up included. */
  rounds: number;
  wallMs: number;
  clientCpuMs: number;
  serverCpuMs?: number;
}

const postgres = await BenchPostgres.start();
try {
  const database = await postgres.createDatabase();
  const sqlite = openDatabase(path.join(work, 'index.sqlite'));
  const pgDb = new PostgresDb(new SyncConnection({ url: database.url, statementTimeoutMs: 30_000, applicationName: 'vigil-bench' }));
  const rows: [string, Figure, Figure][] = [];
  for (const [label, measure] of [
    ['primary-key read (1 statement)', readRow],
    ['INSERT in its own transaction (BEGIN, INSERT, COMMIT)', insertRow],
  ] as const) {
    const onSqlite = measure(sqlite);
    const serverBefore = treeCpuSeconds(postgres.cluster.postmasterPid());
    const onPostgres = measure(pgDb);
    // Per statement sent: the read is one, the transaction three.
    const statements = label.startsWith('INSERT') ? 3 : 1;
    onPostgres.serverCpuMs = ((treeCpuSeconds(postgres.cluster.postmasterPid()) - serverBefore) * 1000) / onPostgres.rounds / statements;
    rows.push([label, onSqlite, onPostgres]);
  }
  sqlite.close();
  pgDb.close();

  console.log(
    `\n${ROUNDS} rounds each; ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; PostgreSQL 15 on loopback, fsync on\n`,
  );
  console.log('| statement | SQLite: wall / node CPU | PostgreSQL: wall / node CPU (both threads) | PostgreSQL server CPU per statement sent |');
  console.log('|---|---|---|---|');
  for (const [label, a, b] of rows) {
    console.log(`| ${label} | ${ms(a.wallMs)} / ${ms(a.clientCpuMs)} | ${ms(b.wallMs)} / ${ms(b.clientCpuMs)} | ${ms(b.serverCpuMs!)} |`);
  }
  console.log(
    '\nms per operation (the INSERT row: per transaction of three statements on PostgreSQL), median of 5 batches; server CPU: every round, the warm-up batch included.',
  );
} finally {
  await postgres.stop();
}

function readRow(db: Db): Figure {
  db.exec('CREATE TABLE IF NOT EXISTS rtt_read (id TEXT PRIMARY KEY, v TEXT)');
  db.prepare('INSERT INTO rtt_read (id, v) VALUES (?, ?) ON CONFLICT (id) DO NOTHING').run('a', 'x');
  const statement = db.prepare<[string], { v: string }>('SELECT v FROM rtt_read WHERE id = ?');
  return timed(() => statement.get('a'));
}

function insertRow(db: Db): Figure {
  db.exec('CREATE TABLE IF NOT EXISTS rtt_write (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare<[number, string]>('INSERT INTO rtt_write (id, v) VALUES (?, ?)');
  let next = 0;
  const write = db.transaction((id: number) => insert.run(id, 'x'));
  return timed(() => write(++next));
}

/** Median over 5 batches of ROUNDS / 5, after a warm-up batch. */
function timed(fn: () => unknown): Figure {
  const batch = Math.max(1, Math.floor(ROUNDS / 5));
  for (let i = 0; i < batch; i++) fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let b = 0; b < 5; b++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    walls.push((performance.now() - t0) / batch);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000 / batch);
  }
  return { rounds: batch * 6, wallMs: median(walls), clientCpuMs: median(cpus) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function ms(v: number): string {
  return v < 1 ? v.toFixed(3) : v.toFixed(2);
}
