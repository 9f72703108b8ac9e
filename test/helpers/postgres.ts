import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './storescp.js';
import { makeTempDir, removeDir } from './tmp.js';
import { requireTool } from './tools.js';

const run = promisify(execFile);

/** Debian's postgresql-15 (the `postgresql` package) keeps its server binaries off PATH. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
const USER = 'vigil';

/**
 * A throw-away PostgreSQL 15 cluster for one mocha file: initdb into a temp folder, the server on
 * 127.0.0.1 and a free port (its unix socket in that folder too), a fresh database on demand, and
 * everything stopped and removed after the file (on failure too, and at process exit if mocha is
 * interrupted). The cluster tools refuse to run as root: as root they run as the `postgres` user
 * (runuser), which owns the folder.
 */
export class PostgresCluster {
  private databases = 0;
  private schemas = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly asUser: string[],
  ) {}

  /** Connection settings of a new, empty database (one per test case or suite). */
  async createDatabase(): Promise<pg.ClientConfig> {
    const name = `vigil_test_${++this.databases}`;
    const admin = new pg.Client(this.config('postgres'));
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return this.config(name);
  }

  /**
   * Connection settings of a new, empty schema in `database` (a database made by createDatabase):
   * cheaper than a database (CREATE DATABASE costs most of a second here), for a fresh store per
   * test case. The connections' search_path is that schema, so unqualified names land there.
   */
  async createSchema(database: pg.ClientConfig): Promise<pg.ClientConfig> {
    const name = `case_${++this.schemas}`;
    const admin = new pg.Client(database);
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${name}`);
    } finally {
      await admin.end();
    }
    return { ...database, options: `-c search_path=${name}` };
  }

  /** The server's process id (the postmaster: every backend and helper process of the cluster is its child). */
  postmasterPid(): number {
    return Number(fs.readFileSync(path.join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  config(database: string): pg.ClientConfig {
    return { host: '127.0.0.1', port: this.port, user: USER, database };
  }

  /**
   * `extraOptions` go after the defaults in the server's command line (`-c name=value ...`), so
   * they may override them: for example a benchmark's `-c fsync=on -c
   * shared_preload_libraries=pg_stat_statements`. Tests leave it out.
   */
  static async start(extraOptions = ''): Promise<PostgresCluster> {
    const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    const dir = makeTempDir('vigil-pg-');
    const data = path.join(dir, 'data');
    if (asUser.length > 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      fs.chownSync(dir, uid, gid);
    }
    const tool = (name: string, args: string[]) => {
      const [cmd, ...rest] = [...asUser, path.join(POSTGRES_BIN, name), ...args];
      return run(cmd!, rest, { cwd: dir });
    };
    try {
      // --no-sync and fsync=off: a throw-away cluster need not survive a power cut of the machine.
      await tool('initdb', ['-D', data, '-A', 'trust', '-U', USER, '-E', 'UTF8', '--locale=C', '--no-sync']);
      // Another process may take the free port between our probe and the server's bind: try again.
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50 ${extraOptions}`.trim();
        try {
          await tool('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
        } catch (err) {
          if (attempt < 3) continue;
          throw err;
        }
        const cluster = new PostgresCluster(dir, port, asUser);
        process.once('exit', cluster.stopNow);
        return cluster;
      }
    } catch (err) {
      removeDir(dir);
      throw err;
    }
  }

  /** Stops the server at once (a test cluster keeps nothing) and removes its folder. */
  async stop(): Promise<void> {
    const [cmd, ...rest] = [...this.asUser, path.join(POSTGRES_BIN, 'pg_ctl'), '-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop'];
    try {
      await run(cmd, rest, { cwd: this.dir });
    } finally {
      removeDir(this.dir);
      // Only now: mocha may exit while pg_ctl runs (after a failure), and the exit handler must then finish the job.
      process.removeListener('exit', this.stopNow);
    }
  }

  /** The same, synchronously: the last chance when the process exits without running `after`. */
  private readonly stopNow = (): void => {
    try {
      const [cmd, ...rest] = [...this.asUser, path.join(POSTGRES_BIN, 'pg_ctl'), '-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop'];
      execFileSync(cmd, rest, { cwd: this.dir, stdio: 'ignore' });
    } catch {
      // already stopped
    }
    removeDir(this.dir);
  };
}

/**
 * One cluster for the mocha file (call at the top of a describe): started in `before`, stopped
 * in `after`. Missing PostgreSQL skips the file locally and fails with CI=true (.ci/run installs
 * it). Returns a getter, valid inside tests and hooks.
 */
export function usePostgresCluster(): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  before(async function () {
    this.timeout(120_000);
    requireTool(this, path.join(POSTGRES_BIN, 'initdb'), 'postgresql');
    cluster = await PostgresCluster.start();
  });
  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    cluster = undefined;
  });
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster is not started (usePostgresCluster() registers it in before())');
    return cluster;
  };
}

/** The URL form of a test database's settings (the node takes a URL: storage.database.url / VIGIL_DATABASE_URL). */
export function postgresUrl(config: pg.ClientConfig): string {
  const url = new URL(`postgres://${config.user}@${config.host}:${config.port}/${config.database}`);
  if (config.options) url.searchParams.set('options', config.options);
  return url.toString();
}
