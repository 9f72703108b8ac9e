import { expect } from 'chai';
import { alertsHarness, type AlertsHarness } from '../helpers/alerts-harness.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { ManualClock } from '../../src/core/clock.js';
import { settle } from '../helpers/eventually.js';
import { ScriptedChannel } from '../helpers/scripted-channel.js';

/** random() is 0.5 in the harness: each delay is 3/4 of its exponential step. */
const config = {
  destinations: [{ id: 'hook', type: 'webhook' as const, url: 'http://127.0.0.1:1/', secret: 's' }],
  delivery: { backoff: { initialMs: 1000, maxMs: 8000, factor: 2 }, breaker: { failureThreshold: 3, cooldownMs: 30_000 }, giveUpAfterMs: 3600_000 },
};

describe('alerts/sender: order, backoff, breaker and dead letters (manual clock)', () => {
  let h: AlertsHarness;
  let clock: ManualClock;
  let channel: ScriptedChannel;

  beforeEach(async () => {
    clock = new ManualClock();
    channel = new ScriptedChannel();
    h = alertsHarness(config, { clock, createChannel: () => channel });
    await h.part.start();
  });
  afterEach(() => h.dispose());

  function raise(n: number): string[] {
    return Array.from({ length: n }, (_, i) => {
      const r = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, `s${i}`)));
      if (r.outcome !== 'created') throw new Error('not created');
      return r.alert.id;
    });
  }
  async function advance(ms: number): Promise<void> {
    clock.advance(ms);
    await settle();
  }
  /** The first attempt and two retries (after 750 ms, then 1500 ms). */
  async function threeAttempts(): Promise<void> {
    await settle();
    await advance(750);
    await advance(1500);
  }
  const states = () => h.part.deliveries.list({ limit: 100 }).map((d) => d.state);

  it('delivers in outbox order and records the time to notification', async () => {
    const ids = raise(3);
    await settle();
    expect(channel.calls.map((c) => c.alertId)).to.deep.equal(ids);
    expect(states()).to.deep.equal(['delivered', 'delivered', 'delivered']);
    const d = h.part.deliveries.list({ limit: 1 })[0]!;
    const alert = h.part.alerts.get(d.alertId)!;
    expect(d.timeToNotificationMs).to.equal(Math.max(0, clock.now() - alert.findingStoredAt));
    const metrics = await h.part.metrics.registry.metrics();
    expect(metrics).to.match(/vigil_alert_time_to_notification_seconds_count\{destination="hook",channel="webhook",kind="alert"\} 3/);
    expect(metrics).to.match(/vigil_alert_deliveries_total\{destination="hook",channel="webhook",outcome="delivered"\} 3/);
  });

  it('retries the head with exponential, jittered backoff and never lets a later alert overtake it', async () => {
    channel.then('MLLP_CONNECT_FAILED', 'MLLP_TIMEOUT');
    const ids = raise(2);
    await settle();
    expect(channel.calls.map((c) => c.alertId)).to.deep.equal([ids[0]]);
    const head = h.part.deliveries.list({ limit: 1 })[0]!;
    expect(head).to.include({ state: 'pending', attempts: 1, lastErrorCode: 'MLLP_CONNECT_FAILED', nextAttemptAt: clock.now() + 750 });
    expect(head.lastPeerText).to.equal('peer says MLLP_CONNECT_FAILED');
    await advance(749);
    expect(channel.calls).to.have.length(1);
    await advance(1);
    expect(channel.calls).to.have.length(2);
    // second failure: 2000 ms step, jittered to 1500
    expect(h.part.deliveries.list({ limit: 1 })[0]!.nextAttemptAt).to.equal(clock.now() + 1500);
    await advance(1500);
    expect(channel.calls.map((c) => [c.alertId, c.attempt])).to.deep.equal([
      [ids[0], 1],
      [ids[0], 2],
      [ids[0], 3],
      [ids[1], 1],
    ]);
    expect(new Set(channel.calls.slice(0, 3).map((c) => c.key)).size, 'one idempotency key across retries').to.equal(1);
    expect(states()).to.deep.equal(['delivered', 'delivered']);
  });

  it('dead-letters a refused message at once, with its reason, and moves on to the next', async () => {
    channel.then('ALERT_NACK_REJECT');
    const ids = raise(2);
    await settle();
    const [first, second] = h.part.deliveries.list({ limit: 10 });
    expect(first).to.include({ state: 'dead', lastErrorCode: 'ALERT_NACK_REJECT', closedReason: 'scripted ALERT_NACK_REJECT', alertId: ids[0] });
    expect(second).to.include({ state: 'delivered' });
    const types = h.index.changes.list(0, 100).changes.map((c) => c.type);
    expect(types).to.include('alert-dead-lettered');
    // a person retries it: it goes out with the same key
    h.part.outbox.retry(ids[0]!, 'it');
    await settle();
    expect(h.part.deliveries.get(first!.seq)).to.include({ state: 'delivered', attempts: 2 });
    expect(channel.calls.at(-1)?.key).to.equal(first!.idempotencyKey);
  });

  it('opens the breaker after repeated destination failures and waits out the cool-down', async () => {
    channel.then('MLLP_CONNECT_FAILED', 'MLLP_CONNECT_FAILED', 'MLLP_CONNECT_FAILED');
    raise(1);
    await threeAttempts();
    expect(channel.calls).to.have.length(3);
    expect(h.part.sender.status('hook')).to.include({ breaker: 'open', consecutiveFailures: 3 });
    // backoff alone would retry after 3000 ms; the breaker holds it for 30 s
    await advance(3000);
    expect(channel.calls).to.have.length(3);
    await advance(27_000);
    expect(channel.calls).to.have.length(4);
    expect(h.part.sender.status('hook')).to.include({ breaker: 'closed', consecutiveFailures: 0 });
  });

  it('a NACK that blames the message does not count against the destination', async () => {
    channel.then('ALERT_NACK_ERROR', 'ALERT_NACK_ERROR', 'ALERT_NACK_ERROR');
    raise(1);
    await threeAttempts();
    expect(h.part.sender.status('hook')).to.include({ breaker: 'closed' });
  });

  it('gives up on a delivery still failing after the retry window', async () => {
    h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, 'w')));
    for (let i = 0; i < 500; i++) channel.then('ALERT_HTTP_SERVER_ERROR');
    await settle();
    for (let i = 0; i < 1000 && states()[0] === 'pending'; i++) {
      clock.advance(10_000);
      await settle();
    }
    const [d] = h.part.deliveries.list({ limit: 1 });
    expect(d!.state).to.equal('dead');
    expect(d!.closedReason).to.match(/^gave up after \d+ attempts: scripted ALERT_HTTP_SERVER_ERROR/);
    expect(d!.lastAttemptAt! - d!.retryWindowFrom).to.be.at.least(3600_000);
  });

  it('cancelling a pending delivery takes it out of line', async () => {
    channel.then('MLLP_TIMEOUT');
    const ids = raise(2);
    await settle();
    h.part.outbox.cancel(ids[0]!, 'it');
    await advance(750);
    expect(states()).to.deep.equal(['cancelled', 'delivered']);
  });
});
