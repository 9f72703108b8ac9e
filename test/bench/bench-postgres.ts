/**
 * A throw-away PostgreSQL 15 server for the benchmarks (test/helpers/postgres.ts's cluster) set
 * up as a production server would be for durability, and measured:
 *
 * - fsync on (the tests' cluster turns it off): with synchronous_commit on, its default, every
 *   commit waits for its WAL flush, as a server that keeps what it acknowledged must;
 * - pg_stat_statements preloaded, its extension created in the `postgres` database only (never
 *   in the databases under test, whose schemas stay their owners'): the statements every client
 *   sent, top level only (track=top), `BEGIN` / `COMMIT` included (track_utility) — one call per
 *   client round trip for clients that send one statement at a time (Vigil's index connection,
 *   libpq in Orthanc's plugin);
 * - the CPU time of the whole server: the postmaster and every process it forked (proc-stats.ts).
 *
 * PG_BENCH_OPTIONS adds server options, e.g. PG_BENCH_OPTIONS="-c synchronous_commit=off".
 * PG_STATEMENTS=N keeps, for each push, the N statements the target sent most often (what its
 * round trips are made of).
 */
import pg from 'pg';
import { PostgresCluster, postgresUrl } from '../helpers/postgres.js';
import { treeCpuSeconds } from './proc-stats.js';

const SERVER_OPTIONS = [
  '-c fsync=on',
  '-c shared_preload_libraries=pg_stat_statements',
  '-c pg_stat_statements.track=top',
  '-c pg_stat_statements.track_utility=on',
  process.env.PG_BENCH_OPTIONS ?? '',
].join(' ');

/** What the server spent on one push: CPU seconds of all its processes, and the statements it ran for the database under test. */
export interface ServerCost {
  cpuSeconds: number;
  statements: number;
  /** PG_STATEMENTS=N: the N most frequent statements (their text as the server normalised it, cut short) and their calls. */
  top: { calls: number; query: string }[];
}

const TOP_STATEMENTS = Number(process.env.PG_STATEMENTS ?? 0);

export class BenchPostgres {
  private databases = 0;

  private constructor(
    readonly cluster: PostgresCluster,
    private readonly admin: pg.Client,
  ) {}

  static async start(): Promise<BenchPostgres> {
    const cluster = await PostgresCluster.start(SERVER_OPTIONS);
    const admin = new pg.Client(cluster.config('postgres'));
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return new BenchPostgres(cluster, admin);
  }

  /** A new empty database: its name, its URL for Vigil (`storage.database.url`), its settings for Orthanc's plugin. */
  async createDatabase(): Promise<{ name: string; url: string; host: string; port: number; user: string }> {
    const name = `bench_${++this.databases}`;
    await this.admin.query(`CREATE DATABASE ${name}`);
    const config = this.cluster.config(name);
    return { name, url: postgresUrl(config), host: config.host!, port: config.port!, user: config.user! };
  }

  /** Drops it, ending whatever connection a stopped client left behind. */
  async dropDatabase(name: string): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }

  /**
   * Right before a measured push: a checkpoint (the dirty pages of what came before, the
   * warm-up's included, are written now, not during the push), the statement counts reset, then
   * the CPU sample. Returns the sample to hand to `costSince`.
   */
  async beforePush(): Promise<number> {
    await this.admin.query('CHECKPOINT');
    await this.admin.query('SELECT pg_stat_statements_reset()');
    return treeCpuSeconds(this.cluster.postmasterPid());
  }

  /** Right after it: the CPU sample first (so the query below is not in it), then the statements run in `database` since the reset. */
  async costSince(cpuBefore: number, database: string): Promise<ServerCost> {
    const cpuSeconds = treeCpuSeconds(this.cluster.postmasterPid()) - cpuBefore;
    const { rows } = await this.admin.query<{ calls: string | null }>(
      'SELECT sum(s.calls) AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1',
      [database],
    );
    const top =
      TOP_STATEMENTS > 0
        ? (
            await this.admin.query<{ calls: string; query: string }>(
              `SELECT s.calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements s
                 JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 ORDER BY s.calls DESC LIMIT $2`,
              [database, TOP_STATEMENTS],
            )
          ).rows.map((r) => ({ calls: Number(r.calls), query: r.query }))
        : [];
    return { cpuSeconds, statements: Number(rows[0]?.calls ?? 0), top };
  }

  async stop(): Promise<void> {
    await this.admin.end().catch(() => undefined);
    await this.cluster.stop();
  }
}
