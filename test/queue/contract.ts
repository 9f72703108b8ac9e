import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import type { BackoffPolicy } from '../../src/core/backoff.js';
import type { JobQueue } from '../../src/queue/job-queue.js';

/**
 * What a backend of the job queue opens for one case: the queue on a fresh store, and the same
 * store opened again as after a restart of the process (the previous handle is abandoned, as a
 * crash would leave it). Time is the given clock's; the jitter's random draw is fixed at 1.
 */
export interface QueueFixture {
  queue: JobQueue;
  reopen(): Promise<JobQueue> | JobQueue;
  close(): Promise<void> | void;
}
export type MakeQueue = (clock: ManualClock) => Promise<QueueFixture> | QueueFixture;

const LEASE = 30_000;
const BACKOFF: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 5000 };
const err = { code: 'INTERNAL', detail: 'a passing failure' };

/**
 * The cases every backend of JobQueue must pass (run it for each one: see
 * test/queue/sqlite-queue.test.ts, on PostgreSQL in test/queue/index-queue-postgres.test.ts).
 */
export function queueContract(name: string, makeQueue: MakeQueue): void {
  describe(`JobQueue contract: ${name}`, () => {
    let clock: ManualClock;
    let fixture: QueueFixture;
    let q: JobQueue;
    beforeEach(async () => {
      clock = new ManualClock(1_000_000);
      fixture = await makeQueue(clock);
      q = fixture.queue;
    });
    afterEach(async () => fixture.close());

    const add = (key: string, extra: { priority?: number; group?: string; maxAttempts?: number; queue?: string } = {}) =>
      q.enqueue({
        queue: extra.queue ?? 'work',
        key,
        payload: { key },
        maxAttempts: extra.maxAttempts ?? 3,
        ...(extra.priority !== undefined && { priority: extra.priority }),
        ...(extra.group && { group: extra.group }),
      });
    const claim = (worker = 'w1', extra: { group?: string; queue?: string } = {}) =>
      q.claim<{ key: string }>({ queue: extra.queue ?? 'work', worker, leaseMs: LEASE, ...(extra.group && { group: extra.group }) });

    it('enqueue is idempotent per queue and key, whatever the job has become', () => {
      const first = add('a');
      expect(first.created).to.equal(true);
      const again = add('a');
      expect(again).to.deep.include({ created: false });
      expect(again.job.id).to.equal(first.job.id);
      const job = claim()!;
      q.complete(job.id, 'w1', { ok: true });
      expect(add('a').created, 'a done job still holds its key').to.equal(false);
      expect(add('a', { queue: 'other' }).created, 'keys are per queue').to.equal(true);
      expect(q.getByKey('work', 'a')!.state).to.equal('done');
    });

    it('claims a job for one worker only; its lease keeps it from others', () => {
      add('a');
      const mine = claim('w1')!;
      expect(mine).to.deep.include({ state: 'running', attempts: 1, leaseOwner: 'w1', leaseUntil: clock.now() + LEASE });
      expect(claim('w2'), 'nothing else to take').to.equal(undefined);
      expect(q.complete(mine.id, 'w2'), 'another worker cannot complete it').to.equal(false);
      expect(q.fail(mine.id, 'w2', err, BACKOFF), 'nor fail it').to.equal(undefined);
      expect(q.complete(mine.id, 'w1', { n: 1 })).to.equal(true);
      expect(q.get(mine.id)).to.deep.include({ state: 'done', result: { n: 1 }, leaseOwner: null });
      expect(q.complete(mine.id, 'w1'), 'done once').to.equal(false);
    });

    it('a lease that runs out lets another worker take the job over (the first cannot finish it then)', () => {
      add('a');
      const first = claim('w1')!;
      clock.advance(LEASE - 1);
      expect(claim('w2'), 'not before the lease ends').to.equal(undefined);
      expect(q.extendLease(first.id, 'w1', LEASE)).to.equal(true);
      clock.advance(LEASE - 1);
      expect(claim('w2'), 'an extended lease holds').to.equal(undefined);
      clock.advance(1);
      const second = claim('w2')!;
      expect(second).to.deep.include({ id: first.id, attempts: 2, leaseOwner: 'w2' });
      expect(q.complete(first.id, 'w1'), "the first worker's late outcome is refused").to.equal(false);
      expect(q.complete(first.id, 'w2')).to.equal(true);
    });

    it('a failure retries after the back-off of its attempt, then is a dead letter', () => {
      const { job } = add('a', { maxAttempts: 3 });
      const t0 = clock.now();
      expect(q.fail(claim()!.id, 'w1', err, BACKOFF)).to.equal('queued');
      expect(q.get(job.id)!.availableAt, 'first retry: initialMs').to.equal(t0 + 1000);
      clock.advance(999);
      expect(claim(), 'not before its delay').to.equal(undefined);
      clock.advance(1);
      expect(q.fail(claim()!.id, 'w1', err, BACKOFF)).to.equal('queued');
      expect(q.get(job.id)!.availableAt, 'second retry: doubled').to.equal(clock.now() + 2000);
      clock.advance(2000);
      const third = claim()!;
      expect(third.attempts).to.equal(3);
      expect(q.fail(third.id, 'w1', err, BACKOFF)).to.equal('dead');
      expect(q.get(job.id)).to.deep.include({ state: 'dead', error: err });
      clock.advance(60_000);
      expect(claim(), 'a dead letter is not claimed').to.equal(undefined);
      expect(q.stats('work').deadLetters).to.equal(1);
      expect(q.retry(job.id), 'an operator may put it back').to.equal(true);
      expect(q.get(job.id)).to.deep.include({ state: 'queued', attempts: 0, error: null });
      expect(q.retry(job.id), 'only a finished job').to.equal(false);
      q.fail(claim()!.id, 'w1', err, 'give-up');
      expect(q.retry(job.id, clock.now(), { keepAttempts: true })).to.equal(true);
      expect(q.get(job.id)!.attempts, 'a retry keeping the count of attempts made').to.equal(1);
    });

    it('the back-off is capped, and an explicit retry time or a permanent failure is honoured', () => {
      const { job } = add('a', { maxAttempts: 10 });
      for (let i = 1; i <= 4; i++) {
        q.fail(claim()!.id, 'w1', err, BACKOFF);
        clock.advance(q.get(job.id)!.availableAt - clock.now());
      }
      q.fail(claim()!.id, 'w1', err, BACKOFF);
      expect(q.get(job.id)!.availableAt - clock.now(), 'capped at maxMs').to.equal(5000);
      clock.advance(5000);
      q.fail(claim()!.id, 'w1', err, { at: clock.now() + 42 });
      expect(q.get(job.id)!.availableAt).to.equal(clock.now() + 42);
      clock.advance(42);
      expect(q.fail(claim()!.id, 'w1', { code: 'BAD_REQUEST', detail: 'bad input' }, null)).to.equal('failed');
    });

    it("'give-up' makes a dead letter at once (the caller's own limit); seq follows enqueue order; queues() names those holding jobs", () => {
      const { job: a } = add('a', { maxAttempts: 100 });
      const { job: b } = add('b', { queue: 'other' });
      expect(b.seq).to.be.greaterThan(a.seq);
      expect(q.fail(claim()!.id, 'w1', err, 'give-up')).to.equal('dead');
      expect(q.list({ queue: 'work', state: ['dead', 'failed'], limit: 10 }).map((j) => j.key)).to.deep.equal(['a']);
      expect(q.queues()).to.deep.equal(['other', 'work']);
    });

    it('a lease that runs out on the last attempt is a dead letter', () => {
      const { job } = add('a', { maxAttempts: 1 });
      claim('w1');
      clock.advance(LEASE);
      expect(claim('w2')).to.equal(undefined);
      expect(q.get(job.id)).to.deep.include({ state: 'dead' });
      expect(q.get(job.id)!.error!.code).to.equal('QUEUE_LEASE_EXPIRED');
    });

    it('runs higher priority first, then the longest waiting, then in enqueue order', () => {
      add('low-1', { priority: 1 });
      clock.advance(1);
      add('high', { priority: 9 });
      add('low-2', { priority: 1 });
      add('mid', { priority: 5 });
      const order: string[] = [];
      for (let job = claim(); job; job = claim()) order.push(job.payload.key);
      expect(order).to.deep.equal(['high', 'mid', 'low-1', 'low-2']);
    });

    it('runs the jobs of a group one at a time, in enqueue order, the head blocking the rest', () => {
      add('a1', { group: 'a', priority: 0 });
      add('a2', { group: 'a', priority: 9 });
      add('b1', { group: 'b' });
      const a1 = claim('w1', { group: 'a' })!;
      expect(a1.payload.key).to.equal('a1');
      expect(claim('w2', { group: 'a' }), 'a2 waits for a1').to.equal(undefined);
      expect(claim('w2', { group: 'b' })!.payload.key, 'other groups go on').to.equal('b1');
      q.fail(a1.id, 'w1', err, BACKOFF);
      expect(claim('w1', { group: 'a' }), 'a1 waiting for its retry still holds a2 back').to.equal(undefined);
      clock.advance(1000);
      const again = claim('w1', { group: 'a' })!;
      expect(again.payload.key).to.equal('a1');
      q.complete(again.id, 'w1');
      expect(claim('w1', { group: 'a' })!.payload.key).to.equal('a2');
    });

    it('a crash between claim and complete: the job runs again after a restart', async () => {
      const { job } = add('a');
      claim('w1');
      q = await fixture.reopen();
      expect(q.expireLeases('work', { code: 'INTERNAL', detail: 'the node stopped while the job ran' }, { every: true })).to.equal(1);
      const again = claim('w2')!;
      expect(again).to.deep.include({ id: job.id, attempts: 2 });
      expect(q.complete(again.id, 'w2')).to.equal(true);
    });

    it('a release gives the attempt back (a clean stop, an outcome that could not be recorded)', () => {
      add('a');
      add('b');
      const a = claim('w1')!;
      claim('w1');
      expect(q.release(a.id, 'w2'), "only the holder's").to.equal(false);
      expect(q.release(a.id, 'w1')).to.equal(true);
      expect(q.get(a.id)).to.deep.include({ state: 'queued', attempts: 0 });
      expect(q.releaseAll('work', 'w1')).to.equal(1);
      expect(q.counts('work').queued).to.equal(2);
    });

    it('a cancelled job is not run, and a running one cannot complete', () => {
      const { job: a } = add('a');
      const { job: b } = add('b');
      expect(q.cancel(b.id)).to.equal(true);
      const running = claim()!;
      expect(running.id).to.equal(a.id);
      expect(q.cancel(a.id)).to.equal(true);
      expect(q.complete(a.id, 'w1')).to.equal(false);
      expect(claim()).to.equal(undefined);
      expect(q.cancel(a.id), 'once').to.equal(false);
    });

    it('a restart keeps everything: states, attempts, payloads, results, keys, retry times', async () => {
      add('queued');
      const { job: done } = add('done');
      const { job: retrying } = add('retrying');
      add('p', { priority: 3 });
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push(claim()!.payload.key);
      expect(order).to.deep.equal(['p', 'queued', 'done', 'retrying']);
      q.release(q.getByKey('work', 'queued')!.id, 'w1');
      q.release(q.getByKey('work', 'p')!.id, 'w1');
      q.complete(done.id, 'w1', { findingId: 'f' });
      q.fail(retrying.id, 'w1', err, BACKOFF);
      const before = q.list({ queue: 'work', limit: 10 });
      q = await fixture.reopen();
      expect(q.list({ queue: 'work', limit: 10 })).to.deep.equal(before);
      expect(add('done').created).to.equal(false);
      expect(q.get(done.id)!.result).to.deep.equal({ findingId: 'f' });
      expect(claim()!.payload.key).to.equal('p');
      expect(claim()!.payload.key).to.equal('queued');
      expect(claim(), 'the retry still waits').to.equal(undefined);
      expect(q.nextWakeAt('work')).to.equal(clock.now() + 1000);
    });

    it('lists by state and payload field, counts, and reports depth, in flight and the oldest age', () => {
      q.enqueue({ queue: 'work', key: 'x', payload: { seriesId: 's1', early: true }, maxAttempts: 1 });
      clock.advance(500);
      q.enqueue({ queue: 'work', key: 'y', payload: { seriesId: 's2', early: false }, maxAttempts: 1 });
      q.enqueue({ queue: 'work', key: 'z', payload: { seriesId: 's1', early: false }, maxAttempts: 1 });
      expect(q.list({ queue: 'work', where: { seriesId: 's1' }, limit: 10 }).map((j) => j.key)).to.deep.equal(['z', 'x']);
      expect(q.list({ queue: 'work', where: { early: true }, limit: 10 }).map((j) => j.key)).to.deep.equal(['x']);
      claim();
      expect(q.list({ queue: 'work', state: 'running', limit: 10 }).map((j) => j.key)).to.deep.equal(['x']);
      clock.advance(100);
      expect(q.stats('work')).to.deep.equal({ depth: 2, inFlight: 1, deadLetters: 0, oldestAgeMs: 100 });
      expect(q.counts('work')).to.include({ queued: 2, running: 1, done: 0 });
    });
  });
}
