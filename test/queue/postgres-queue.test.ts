import { expect } from 'chai';
import pg from 'pg';
import { ManualClock } from '../../src/core/clock.js';
import { migratePostgres } from '../../src/db/postgres-migrate.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { claimNext } from '../../src/queue/claim-next.js';
import type { QueueJob } from '../../src/queue/job-queue.js';
import { postgresQueueMigrations } from '../../src/queue/postgres-migrations.js';
import { PostgresJobQueue } from '../../src/queue/postgres-queue.js';
import { queueMetrics } from '../../src/queue/queue-metrics.js';
import { eventually, settle } from '../helpers/eventually.js';
import { usePostgresCluster } from '../helpers/postgres.js';
import { queueContract } from './contract.js';

/**
 * The PostgreSQL backend of the job queue against a throw-away PostgreSQL 15 cluster (one for the
 * file, a fresh schema per case): the contract every backend passes, then what only a shared
 * server has (racing claimers on separate connections, a claimer whose connection dies, wake-ups
 * by NOTIFY, the caller's transaction).
 */
describe('PostgreSQL job queue (a throw-away PostgreSQL 15 cluster)', () => {
  const cluster = usePostgresCluster();
  let database: pg.ClientConfig;
  before(async function () {
    this.timeout(60_000);
    database = await cluster().createDatabase();
  });

  /** A fresh, migrated schema; each `open()` is another process's pool on it. */
  async function store(clock: ManualClock) {
    const config = await cluster().createSchema(database);
    const pools: pg.Pool[] = [];
    const queues: PostgresJobQueue[] = [];
    const clients: pg.PoolClient[] = [];
    const open = (opts: { max?: number } = {}): PostgresJobQueue => {
      const pool = new pg.Pool({ ...config, max: opts.max ?? 4 });
      // An idle connection the server drops must not crash the test process.
      pool.on('error', () => undefined);
      pool.on('connect', (client) => clients.push(client));
      pools.push(pool);
      const queue = new PostgresJobQueue(pool, { clock, random: () => 1 });
      queues.push(queue);
      return queue;
    };
    const admin = new pg.Client(config);
    await admin.connect();
    await migratePostgres(admin, [postgresQueueMigrations]);
    await admin.end();
    return {
      config,
      open,
      /** Every connection the store's pools opened (to cut them as a dying process would). */
      clients,
      async close() {
        for (const q of queues) q.close();
        await Promise.all(pools.map((p) => p.end()));
      },
    };
  }

  queueContract('PostgreSQL 15 (pg, a fresh schema on a throw-away cluster)', async (clock) => {
    const s = await store(clock);
    // reopen: another pool, as a restarted process; the first is abandoned, not closed, as a crash leaves it.
    return { queue: s.open(), reopen: () => s.open(), close: () => s.close() };
  });

  describe('only a shared server', () => {
    const LEASE = 30_000;
    let clock: ManualClock;
    let s: Awaited<ReturnType<typeof store>>;
    beforeEach(async () => {
      clock = new ManualClock(1_000_000);
      s = await store(clock);
    });
    afterEach(async () => s.close());

    const enqueue = (q: PostgresJobQueue, key: string, extra: { group?: string; priority?: number } = {}) =>
      q.enqueue({ queue: 'work', key, payload: { key }, maxAttempts: 3, ...extra });

    it('two claimers on their own connections never take the same job (many rounds)', async function () {
      this.timeout(60_000);
      const a = s.open({ max: 1 });
      const b = s.open({ max: 1 });
      const drain = async (q: PostgresJobQueue, worker: string): Promise<string[]> => {
        const got: string[] = [];
        for (let job = await q.claim({ queue: 'work', worker, leaseMs: LEASE }); job; job = await q.claim({ queue: 'work', worker, leaseMs: LEASE }))
          got.push(job.id);
        return got;
      };
      let bothTook = 0;
      for (let round = 0; round < 25; round++) {
        const ids = new Set<string>();
        for (let i = 0; i < 12; i++) ids.add((await enqueue(a, `r${round}-${i}`, { priority: i % 3 })).job.id);
        const [fromA, fromB] = await Promise.all([drain(a, 'A'), drain(b, 'B')]);
        expect(
          fromA.filter((id) => fromB.includes(id)),
          `round ${round}: a job claimed twice`,
        ).to.deep.equal([]);
        expect(new Set([...fromA, ...fromB]), `round ${round}: every job claimed once`).to.deep.equal(ids);
        if (fromA.length > 0 && fromB.length > 0) bothTook++;
        for (const id of [...fromA, ...fromB]) await a.complete(id, fromA.includes(id) ? 'A' : 'B');
      }
      expect((await a.counts('work')).done).to.equal(25 * 12);
      // Not an assertion about speed: only that the rounds did race (SKIP LOCKED let both take jobs).
      expect(bothTook, 'rounds in which both claimers took jobs').to.be.greaterThan(0);
    });

    it('racing claimers of one group: one job of the group at a time, in enqueue order', async function () {
      this.timeout(60_000);
      const a = s.open({ max: 1 });
      const b = s.open({ max: 1 });
      const keys = Array.from({ length: 20 }, (_, i) => `g${i}`);
      // Enqueued from both connections at once: the group's order is the order of seq.
      await Promise.all(keys.map((key, i) => enqueue(i % 2 ? a : b, key, { group: 'dest' })));
      const order = (await a.list<{ key: string }>({ queue: 'work', limit: 100 })).reverse().map((j) => j.payload.key);
      const ran: string[] = [];
      for (let round = 0; round < keys.length; round++) {
        const got = (
          await Promise.all([
            a.claim<{ key: string }>({ queue: 'work', worker: 'A', leaseMs: LEASE, group: 'dest' }),
            b.claim<{ key: string }>({ queue: 'work', worker: 'B', leaseMs: LEASE, group: 'dest' }),
          ])
        ).filter((j): j is QueueJob<{ key: string }> => j !== undefined);
        expect(got, `round ${round}: one claimer takes the head`).to.have.length(1);
        ran.push(got[0]!.payload.key);
        expect(await (got[0]!.leaseOwner === 'A' ? a : b).complete(got[0]!.id, got[0]!.leaseOwner!)).to.equal(true);
      }
      expect(ran).to.deep.equal(order);
    });

    it('enqueues into one group from concurrent transactions run in commit order (a later seq never overtakes an uncommitted earlier one)', async () => {
      const q = s.open();
      const first = new pg.Client(s.config);
      const second = new pg.Client(s.config);
      const watch = new pg.Client(s.config);
      await Promise.all([first.connect(), second.connect(), watch.connect()]);
      try {
        await first.query('BEGIN');
        await q.joining(first).enqueue({ queue: 'work', key: 'first', payload: { key: 'first' }, maxAttempts: 1, group: 'dest' });
        await second.query('BEGIN');
        const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        let secondCommitted = false;
        const secondDone = q
          .joining(second)
          .enqueue({ queue: 'work', key: 'second', payload: { key: 'second' }, maxAttempts: 1, group: 'dest' })
          .then(() => second.query('COMMIT'))
          .then(() => (secondCommitted = true));
        // Either the second waits for the first (its group's lock) or it has committed ahead of it.
        const waiting = async () =>
          (await watch.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [secondPid])).rows[0]?.w === 'Lock';
        for (const until = Date.now() + 10_000; !secondCommitted && !(await waiting()) && Date.now() < until;) await new Promise((r) => setTimeout(r, 10));
        expect(await q.claim({ queue: 'work', worker: 'w', leaseMs: LEASE, group: 'dest' }), 'the later job may not run before the earlier commits').to.equal(
          undefined,
        );
        await first.query('COMMIT');
        await secondDone;
        const head = (await q.claim<{ key: string }>({ queue: 'work', worker: 'w', leaseMs: LEASE, group: 'dest' }))!;
        expect(head.payload.key).to.equal('first');
        await q.complete(head.id, 'w');
        expect((await q.claim<{ key: string }>({ queue: 'work', worker: 'w', leaseMs: LEASE, group: 'dest' }))!.payload.key).to.equal('second');
      } finally {
        await Promise.all([first.end(), second.end(), watch.end()]);
      }
    });

    it('one key enqueued from two connections at once makes one job', async () => {
      const a = s.open({ max: 1 });
      const b = s.open({ max: 1 });
      for (let i = 0; i < 20; i++) {
        const [x, y] = await Promise.all([enqueue(a, `k${i}`), enqueue(b, `k${i}`)]);
        expect(x.job.id).to.equal(y.job.id);
        expect([x.created, y.created].filter(Boolean), `key k${i}`).to.have.length(1);
      }
    });

    it('shows its figures on /metrics as the SQLite queue does (a scrape awaits the server)', async () => {
      const metrics = new Metrics();
      const pool = new pg.Pool({ ...s.config, max: 2 });
      try {
        const q: PostgresJobQueue = new PostgresJobQueue(pool, {
          clock,
          random: () => 1,
          observer: queueMetrics(metrics, { queues: () => q.queues(), stats: (name) => q.stats(name) }),
        });
        for (const key of ['a', 'b', 'c']) await q.enqueue({ queue: 'work', key, payload: {}, maxAttempts: 2 });
        clock.advance(30_000);
        const a = (await q.claim({ queue: 'work', worker: 'w', leaseMs: LEASE }))!;
        await q.fail(a.id, 'w', { code: 'INTERNAL', detail: 'down' }, { initialMs: 1000, factor: 2, maxMs: 1000 });
        const b = (await q.claim({ queue: 'work', worker: 'w', leaseMs: LEASE }))!;
        await q.fail(b.id, 'w', { code: 'INTERNAL', detail: 'down' }, 'give-up');
        await q.claim({ queue: 'work', worker: 'w', leaseMs: LEASE });
        const text = (await metrics.render()).body;
        expect(text).to.match(/vigil_queue_depth\{queue="work"\} 1\n/);
        expect(text).to.match(/vigil_queue_in_flight\{queue="work"\} 1\n/);
        expect(text).to.match(/vigil_queue_dead_letters\{queue="work"\} 1\n/);
        expect(text).to.match(/vigil_queue_oldest_age_seconds\{queue="work"\} 30\n/);
        expect(text).to.match(/vigil_queue_retries_total\{queue="work"\} 1\n/);
        expect(text).to.match(/vigil_queue_dead_letters_total\{queue="work"\} 1\n/);
      } finally {
        await pool.end();
      }
    });

    it('a claimer whose connection dies mid-job: its job is taken over after the lease, its late outcome refused', async () => {
      const dying = s.open({ max: 1 });
      const { job } = await enqueue(dying, 'a');
      const taken = (await dying.claim({ queue: 'work', worker: 'dying', leaseMs: LEASE }))!;
      expect(taken.id).to.equal(job.id);
      // Its only connection cut from the client's side, as when its process is killed.
      expect(s.clients).to.have.length(1);
      for (const client of s.clients.splice(0)) client.connection.stream.destroy();
      const other = s.open({ max: 1 });
      expect(await other.claim({ queue: 'work', worker: 'other', leaseMs: LEASE }), 'the lease still holds').to.equal(undefined);
      clock.advance(LEASE);
      const again = (await other.claim({ queue: 'work', worker: 'other', leaseMs: LEASE }))!;
      expect(again).to.deep.include({ id: job.id, attempts: 2, leaseOwner: 'other' });
      expect(again.error).to.deep.include({ code: 'QUEUE_LEASE_EXPIRED' });
      // The dying worker's pool reconnects (a process that only lost its connection): too late.
      expect(await dying.complete(job.id, 'dying')).to.equal(false);
      expect(await other.complete(job.id, 'other')).to.equal(true);
    });

    it('a claimer whose connection dies inside its claim transaction leaves the job as it was, and never blocks the others', async () => {
      const q = s.open();
      const { job } = await enqueue(q, 'a');
      const client = new pg.Client(s.config);
      client.on('error', () => undefined);
      await client.connect();
      await client.query('BEGIN');
      const claimed = await q.joining(client).claim({ queue: 'work', worker: 'dying', leaseMs: LEASE });
      expect(claimed?.id).to.equal(job.id);
      // The row is locked by the open transaction: another claimer skips it rather than waiting.
      expect(await q.claim({ queue: 'work', worker: 'other', leaseMs: LEASE })).to.equal(undefined);
      client.connection.stream.destroy();
      // The server rolls the dead connection's transaction back once it notices; poll for that (a bound, not a timing).
      let again: QueueJob | undefined;
      for (const until = Date.now() + 10_000; !again && Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
        again = await q.claim({ queue: 'work', worker: 'other', leaseMs: LEASE });
      }
      expect(again, 'the job is claimable again').to.deep.include({ id: job.id, attempts: 1, leaseOwner: 'other' });
    });

    it('NOTIFY wakes a waiting claimer of another process (its poll interval never elapses)', async () => {
      const worker = s.open();
      const producer = s.open();
      const stop = new AbortController();
      await worker.waitForWork('work', stop.signal); // listening (the first wait returns at once)
      // A ManualClock that never moves: the hour-long poll cannot end the wait; only a wake-up can.
      const next = claimNext<{ key: string }>(worker, { queue: 'work', worker: 'w', leaseMs: LEASE }, { clock, signal: stop.signal, pollMs: 3_600_000 });
      let claimed: QueueJob<{ key: string }> | undefined;
      void next.then((job) => (claimed = job));
      // Its poll timer is set in the same step as its wait for a wake-up: then it is waiting.
      await eventually(() => clock.pendingTimers() === 1, 'the claimer waiting (nothing to claim)');
      expect(claimed, 'nothing to claim yet').to.equal(undefined);
      await enqueue(producer, 'a');
      const job = await next;
      expect(job).to.deep.include({ key: 'a', state: 'running', leaseOwner: 'w' });
      expect(clock.pendingTimers(), 'the poll was called off').to.equal(0);
      stop.abort();
    });

    it('a wake-up is for its queue only, at commit only, and is kept for a claimer not yet waiting', async () => {
      const worker = s.open();
      const producer = s.open();
      const forever = new AbortController();
      await worker.waitForWork('work', forever.signal); // the first wait listens and returns at once
      const woken = { work: false, other: false, third: false };
      const wait = (queue: keyof typeof woken) => worker.waitForWork(queue, forever.signal).then(() => (woken[queue] = true));
      const waits = { work: wait('work'), other: wait('other'), third: wait('third') };
      await enqueue(producer, 'a');
      await waits.work;
      expect(woken).to.deep.equal({ work: true, other: false, third: false });
      // A rolled-back enqueue notifies no one: NOTIFY goes out at commit. Notifications arrive in
      // commit order on the one listening connection, so 'third' woken with 'other' still waiting shows it.
      const client = new pg.Client(s.config);
      await client.connect();
      await client.query('BEGIN');
      await producer.joining(client).enqueue({ queue: 'other', key: 'x', payload: {}, maxAttempts: 1 });
      await client.query('ROLLBACK');
      await client.end();
      await producer.enqueue({ queue: 'third', key: 'y', payload: {}, maxAttempts: 1 });
      await waits.third;
      await settle();
      expect(woken.other, 'the rolled-back enqueue woke its queue').to.equal(false);
      // Work that came while nobody waited for its queue: the next wait returns at once. (Once
      // 'fourth' has woken, the notification for 'work' sent before it has arrived.)
      const fourth = worker.waitForWork('fourth', forever.signal);
      await producer.enqueue({ queue: 'work', key: 'b', payload: {}, maxAttempts: 1 });
      await producer.enqueue({ queue: 'fourth', key: 'z', payload: {}, maxAttempts: 1 });
      await fourth;
      await worker.waitForWork('work', forever.signal);
      forever.abort();
      await waits.other;
    });

    it('a lost listening connection wakes its waiters, and the next wait listens again', async () => {
      const worker = s.open();
      const producer = s.open();
      const admin = new pg.Client(s.config);
      await admin.connect();
      try {
        const forever = new AbortController();
        await worker.waitForWork('work', forever.signal); // listening
        const woken = worker.waitForWork('work', forever.signal);
        // The server ends the listening session (a restart, a network cut, an operator).
        const cut = await admin.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE query = 'LISTEN vigil_queue' AND pid <> pg_backend_pid()`,
        );
        expect(cut.rows).to.deep.equal([{ done: true }]);
        await woken; // its waiter looks again (work may have come while nobody listened)
        await worker.waitForWork('work', forever.signal); // listens anew, and returns at once
        const again = worker.waitForWork('work', forever.signal);
        await enqueue(producer, 'a');
        await again; // woken by the new connection
        forever.abort();
      } finally {
        await admin.end();
      }
    });

    it("joins the caller's transaction: an enqueue, a claim and a completion commit or roll back with the caller's own write", async () => {
      const q = s.open();
      const client = new pg.Client(s.config);
      await client.connect();
      try {
        await client.query('CREATE TABLE findings (job TEXT NOT NULL)');
        await client.query('BEGIN');
        await q.joining(client).enqueue({ queue: 'work', key: 'rolled-back', payload: {}, maxAttempts: 1 });
        await client.query('ROLLBACK');
        expect(await q.getByKey('work', 'rolled-back'), 'nothing of a rolled-back enqueue').to.equal(undefined);

        const { job } = await enqueue(q, 'a');
        await client.query('BEGIN');
        const tx = q.joining(client);
        const mine = (await tx.claim({ queue: 'work', worker: 'w', leaseMs: LEASE }))!;
        await client.query('INSERT INTO findings (job) VALUES ($1)', [mine.id]);
        expect(await tx.complete(mine.id, 'w', { ok: true })).to.equal(true);
        await client.query('ROLLBACK');
        expect(await q.get(job.id), 'claim and completion undone with the finding').to.deep.include({ state: 'queued', attempts: 0, result: null });

        await client.query('BEGIN');
        const again = (await tx.claim({ queue: 'work', worker: 'w', leaseMs: LEASE }))!;
        await client.query('INSERT INTO findings (job) VALUES ($1)', [again.id]);
        await tx.complete(again.id, 'w', { ok: true });
        await client.query('COMMIT');
        expect(await q.get(job.id)).to.deep.include({ state: 'done', attempts: 1, result: { ok: true } });
        expect((await client.query('SELECT job FROM findings')).rows).to.deep.equal([{ job: job.id }]);
      } finally {
        await client.end();
      }
    });

    it('a client with no open transaction is refused by a joined step, which changes nothing', async () => {
      const q = s.open();
      const { job } = await enqueue(q, 'a');
      const client = new pg.Client(s.config);
      await client.connect();
      try {
        let error: Error | undefined;
        await q
          .joining(client)
          .claim({ queue: 'work', worker: 'w', leaseMs: LEASE })
          .catch((err: Error) => (error = err));
        expect(error?.message).to.match(/SAVEPOINT can only be used in transaction blocks/);
        expect(await q.get(job.id)).to.deep.include({ state: 'queued', attempts: 0 });
      } finally {
        await client.end();
      }
    });
  });

  describe('its migrations (migratePostgres)', () => {
    it('two processes starting at once: one migrates, the other finds nothing to do', async () => {
      const config = await cluster().createSchema(database);
      const clients = [new pg.Client(config), new pg.Client(config)];
      await Promise.all(clients.map((c) => c.connect()));
      try {
        const runs = await Promise.all(clients.map((c) => migratePostgres(c, [postgresQueueMigrations])));
        expect(runs.map((r) => r.applied.length).sort()).to.deep.equal([0, 1]);
        expect((await clients[0]!.query('SELECT part, version FROM schema_migrations')).rows).to.deep.equal([{ part: 'queue', version: 1 }]);
        expect((await migratePostgres(clients[1]!, [postgresQueueMigrations])).applied, 'again: nothing').to.deep.equal([]);
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
    });

    it('a migration that fails leaves nothing of the run (DDL is transactional), and says which', async () => {
      const config = await cluster().createSchema(database);
      const client = new pg.Client(config);
      await client.connect();
      try {
        const broken = {
          part: 'queue',
          migrations: [...postgresQueueMigrations.migrations, { version: 2, name: 'broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x INT' }],
        };
        let error: Error | undefined;
        await migratePostgres(client, [broken]).catch((err: Error) => (error = err));
        expect(error?.message).to.match(/^migration queue#2 \(broken\) failed.*no_such_table/);
        const left = await client.query(`SELECT to_regclass('queue_jobs') AS jobs, to_regclass('schema_migrations') AS history`);
        expect(left.rows[0]).to.deep.equal({ jobs: null, history: null });
        let order: Error | undefined;
        await migratePostgres(client, [{ part: 'queue', migrations: [{ version: 2, name: 'gap', sql: 'SELECT 1' }] }]).catch((err: Error) => (order = err));
        expect(order?.message).to.match(/numbered 1\.\.n in order/);
      } finally {
        await client.end();
      }
    });
  });
});
