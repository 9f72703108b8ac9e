import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { apiAs } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';

describe('queue: the durable job queue on /metrics', () => {
  let node: TestNode;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  before(async () => (node = await startTestNode({}, { clock })));
  after(() => node?.dispose());

  // A plugin's queue no plugin works here: only the test moves its jobs.
  it('shows depth, in flight, dead letters and the oldest age per queue, and counts retries and dead letters', async () => {
    const q = node.queue;
    const add = (key: string) => q.enqueue({ queue: 'plugin:metrics-test', key, payload: { key }, maxAttempts: 2 });
    add('a');
    add('b');
    add('c');
    clock.advance(30_000);
    const a = q.claim({ queue: 'plugin:metrics-test', worker: 'test', leaseMs: 60_000 })!;
    q.fail(a.id, 'test', { code: 'PLUGIN_HOOK_FAILED', detail: 'down' }, { initialMs: 1000, factor: 2, maxMs: 1000 });
    const b = q.claim({ queue: 'plugin:metrics-test', worker: 'test', leaseMs: 60_000 })!;
    q.fail(b.id, 'test', { code: 'PLUGIN_HOOK_FAILED', detail: 'down' }, 'give-up');
    q.claim({ queue: 'plugin:metrics-test', worker: 'test', leaseMs: 60_000 });

    const text = (await (await apiAs(node, 'service')).get('/metrics').expect(200)).text;
    expect(text).to.match(/vigil_queue_depth\{queue="plugin:metrics-test"\} 1\n/);
    expect(text).to.match(/vigil_queue_in_flight\{queue="plugin:metrics-test"\} 1\n/);
    expect(text).to.match(/vigil_queue_dead_letters\{queue="plugin:metrics-test"\} 1\n/);
    expect(text).to.match(/vigil_queue_oldest_age_seconds\{queue="plugin:metrics-test"\} 30\n/);
    expect(text).to.match(/vigil_queue_retries_total\{queue="plugin:metrics-test"\} 1\n/);
    expect(text).to.match(/vigil_queue_dead_letters_total\{queue="plugin:metrics-test"\} 1\n/);
    expect(text, 'triage is shown before its first job').to.match(/vigil_queue_depth\{queue="triage"\} 0\n/);
  });
});
