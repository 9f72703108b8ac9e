import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { alertsHarness, type AlertsHarness } from '../helpers/alerts-harness.js';
import { settle } from '../helpers/eventually.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { ScriptedChannel } from '../helpers/scripted-channel.js';

const config = {
  destinations: [{ id: 'hook', type: 'webhook' as const, url: 'http://127.0.0.1:1/', secret: 's' }],
  delivery: { backoff: { initialMs: 1000, maxMs: 8000, factor: 2 }, giveUpAfterMs: 3600_000 },
};

/**
 * A delivery whose outcome the index cannot record (a full disk refuses the write, as SQLite's
 * query_only does here). The destination's worker must not stop for good: alerts raised later,
 * critical ones included, would never be sent until a restart.
 */
describe('alerts/sender: when the index cannot record an outcome', () => {
  let h: AlertsHarness;
  let clock: ManualClock;
  let channel: ScriptedChannel;

  beforeEach(async () => {
    clock = new ManualClock();
    channel = new ScriptedChannel();
    h = alertsHarness(config, { clock, createChannel: () => channel });
    await h.part.start();
  });
  afterEach(() => {
    h.db.pragma('query_only = OFF');
    return h.dispose();
  });

  it('keeps the worker, backs off, and records the delivery once the index takes writes again', async () => {
    const first = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, 'full-1')));
    expect(first.outcome).to.equal('created');
    h.db.pragma('query_only = ON');
    await settle(20);
    expect(channel.calls.length, 'not sent in a loop').to.be.at.most(1);
    expect(h.logs.text()).to.match(/could not record/);

    h.db.pragma('query_only = OFF');
    const second = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, 'full-2')));
    expect(second.outcome).to.equal('created');
    clock.advance(60_000);
    await settle(20);
    const states = h.part.deliveries.list({ limit: 10 }).map((d) => d.state);
    expect(states, 'the first (sent again: receivers de-duplicate by idempotency key) and the one raised after').to.deep.equal(['delivered', 'delivered']);
  });
});
