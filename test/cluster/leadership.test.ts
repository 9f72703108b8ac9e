import { expect } from 'chai';
import pg from 'pg';
import { CaptureTransport } from '../helpers/log-capture.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { SoloLeadership, type Leadership, type LeadershipLossReason } from '../../src/cluster/leadership.js';
import { LEADERSHIP_LOCK, PostgresLeadership } from '../../src/cluster/postgres-leadership.js';
import { usePostgresCluster } from '../helpers/postgres.js';

/** Polls an async check (eventually() takes a synchronous one): a bound on waiting, not a timed assertion. */
async function waitFor(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const quiet = (): Logger => createLogger({ level: 'error', format: 'json' } as never, '.', { console: false, transports: [new CaptureTransport()] });

describe('cluster leadership', () => {
  describe('solo (SQLite: one process)', () => {
    it('leads from the start, tells a late listener at once, and gives up at stop', async () => {
      const solo = new SoloLeadership(quiet());
      expect(solo.isLeader()).to.equal(true);
      let term: AbortSignal | undefined;
      const losses: LeadershipLossReason[] = [];
      solo.onGained((t) => (term = t));
      solo.onLost((r) => losses.push(r));
      expect(term?.aborted).to.equal(false);
      await solo.stop();
      expect(solo.isLeader()).to.equal(false);
      expect(term?.aborted).to.equal(true);
      expect(losses).to.deep.equal(['stopped']);
    });
  });

  describe('PostgreSQL advisory lock (a throw-away PostgreSQL 15 cluster)', () => {
    const cluster = usePostgresCluster();
    const RETRY = 150;
    let database: pg.ClientConfig;
    let admin: pg.Client;
    const started: PostgresLeadership[] = [];

    before(async function () {
      this.timeout(60_000);
      database = await cluster().createDatabase();
      admin = new pg.Client(database);
      // The cluster's own `after` stops the server before ours ends this client.
      admin.on('error', () => undefined);
      await admin.connect();
    });
    after(async () => admin?.end());
    afterEach(async () => {
      await Promise.all(started.splice(0).map((l) => l.stop()));
      // Every session is gone before the next case: no lock left behind.
      await waitFor(async () => (await holders()).length === 0, 'no holder left');
    });

    // checkMs bounds each query too: generous, so a loaded machine's slow answer is not a lost session.
    function lead(name: string): PostgresLeadership {
      const l = new PostgresLeadership(database, { log: quiet(), name, retryMs: RETRY, checkMs: 1000 });
      started.push(l);
      l.start();
      return l;
    }

    /** The sessions holding the leadership lock, by the name in their application_name. */
    async function holders(): Promise<string[]> {
      const { rows } = await admin.query<{ name: string }>(
        `SELECT replace(a.application_name, 'vigil leadership ', '') AS name
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted`,
        [LEADERSHIP_LOCK.classid, LEADERSHIP_LOCK.objid],
      );
      return rows.map((r) => r.name);
    }

    const leaders = (all: Leadership[]): number => all.filter((l) => l.isLeader()).length;

    it('two processes on their own connections: exactly one leads, and the lock is its', async () => {
      const a = lead('a');
      const b = lead('b');
      await waitFor(() => leaders([a, b]) === 1, 'one leader');
      // Several retry periods later it is still one, and pg_locks agrees on which.
      await new Promise((r) => setTimeout(r, RETRY * 4));
      expect(leaders([a, b])).to.equal(1);
      expect(await holders()).to.deep.equal([a.isLeader() ? 'a' : 'b']);
    });

    it('the leader stops: its duties end first, and the other gains on its next try', async () => {
      const a = lead('a');
      await waitFor(() => a.isLeader(), 'a leads');
      const b = lead('b');
      const lostA: LeadershipLossReason[] = [];
      a.onLost((r) => lostA.push(r));
      let gainedB = 0;
      b.onGained(() => gainedB++);
      await new Promise((r) => setTimeout(r, RETRY * 3));
      expect(b.isLeader()).to.equal(false);
      await a.stop();
      expect(lostA).to.deep.equal(['stopped']);
      await waitFor(() => b.isLeader(), 'b gains');
      expect(gainedB).to.equal(1);
      expect(await holders()).to.deep.equal(['b']);
    });

    it("the leader's backend is terminated: it reports the loss at once and another gains", async () => {
      const a = lead('a');
      await waitFor(() => a.isLeader(), 'a leads');
      const b = lead('b');
      let term: AbortSignal | undefined;
      a.onGained((t) => (term = t));
      const lostA: LeadershipLossReason[] = [];
      a.onLost((r) => lostA.push(r));
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vigil leadership a'`);
      await waitFor(() => lostA.length > 0, 'a hears it lost');
      expect(lostA[0]).to.equal('connection-lost');
      expect(term?.aborted).to.equal(true);
      await waitFor(async () => leaders([a, b]) === 1 && (await holders()).length === 1, 'a new leader');
      // a competes again on a new session; whichever won, pg_locks names it.
      expect(await holders()).to.deep.equal([a.isLeader() ? 'a' : 'b']);
    });

    it('ten rounds of killing the leader never show two leaders at once', async function () {
      this.timeout(60_000);
      const all = [lead('a'), lead('b'), lead('c')];
      const names = ['a', 'b', 'c'];
      let overlaps = 0;
      // Checked at every gain (the moment an overlap would begin) and by a sampler in between.
      for (const l of all) l.onGained(() => void (leaders(all) > 1 && overlaps++));
      const sampler = setInterval(() => void (leaders(all) > 1 && overlaps++), 2);
      let lockOverlaps = 0;
      try {
        for (let round = 0; round < 10; round++) {
          await waitFor(async () => leaders(all) === 1 && (await holders()).length === 1, `a leader in round ${round}`);
          const held = await holders();
          if (held.length > 1) lockOverlaps++;
          const leader = names[all.findIndex((l) => l.isLeader())]!;
          expect(held).to.deep.equal([leader]);
          await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`vigil leadership ${leader}`]);
          await waitFor(() => !all[names.indexOf(leader)]!.isLeader(), `${leader} steps down in round ${round}`);
        }
      } finally {
        clearInterval(sampler);
      }
      expect(overlaps).to.equal(0);
      expect(lockOverlaps).to.equal(0);
    });
  });
});
