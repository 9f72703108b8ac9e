import { expect } from 'chai';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { eventually } from '../helpers/eventually.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import type { Finding } from '../../src/domain/finding.js';

/**
 * A finding reaches the alerts outbox and the worklist once, inside the transaction that stores
 * it; the committed 'finding' event is for live listeners only (plugins' onFinding), not a
 * second path that leans on idempotency.
 */
describe('a finding: one path to the alerts and the worklist', function () {
  this.timeout(60_000);
  let dataDir: string;
  const hooks = [new WebhookReceiver(), new WebhookReceiver()];
  let node: TestNode | undefined;
  beforeEach(() => (dataDir = makeTempDir()));
  afterEach(async () => {
    await node?.stop();
    node = undefined;
    for (const hook of hooks) await hook.stop();
    removeDir(dataDir);
  });

  /** Counts the calls of the outbox's and the worklist's entry points for findings. */
  function countCalls(n: TestNode): { outbox: number; worklist: number } {
    const calls = { outbox: 0, worklist: 0 };
    const enqueue = n.alerts.outbox.enqueueForFinding.bind(n.alerts.outbox);
    n.alerts.outbox.enqueueForFinding = (finding: Finding) => (calls.outbox++, enqueue(finding));
    const record = n.worklist.results.record.bind(n.worklist.results);
    n.worklist.results.record = (finding: Finding) => (calls.worklist++, record(finding));
    return calls;
  }

  const destinations = async () => {
    const urls = await Promise.all(hooks.map((h) => h.start()));
    return urls.map((url, i) => ({ id: `hook-${i}`, type: 'webhook' as const, url, secret: 'a-secret-of-the-test', when: {} }));
  };

  it('one finding gives one alert per destination and one worklist change, through a restart too', async () => {
    const overrides = { alerts: { destinations: await destinations(), delivery: { backoff: { initialMs: 10, maxMs: 40 } } } };
    node = await startTestNode(overrides, { dataDir });
    const calls = countCalls(node);
    const study = seedStudy(node.index, 'one-path');
    const finding = makeFinding(study);
    expect(node.triage.findings.record(finding, null, () => true)).to.equal(true);
    const alert = await eventually(() => node!.alerts.alerts.list({ limit: 10 })[0], 'an alert');
    await eventually(() => node!.alerts.deliveries.ofAlert(alert.id).every((d) => d.state === 'delivered'), 'delivered');
    // Past the commit and the 'finding' event (emitted synchronously after it): no second call came.
    expect(calls, 'the outbox and the worklist each saw the finding once').to.deep.equal({ outbox: 1, worklist: 1 });
    expect(
      node.alerts.deliveries
        .ofAlert(alert.id)
        .map((d) => d.destinationId)
        .sort(),
    ).to.deep.equal(['hook-0', 'hook-1']);
    const raised = () => node!.index.changes.list(0, 1000).changes.filter((c) => c.type === 'priority-raised' && c.resourceId === study.studyId);
    expect(raised()).to.have.length(1);
    await node.stop();

    // After a restart nothing of that finding comes again: a second finding's alert reaches each
    // destination behind it (each destination takes its deliveries in order), and it is the only other one.
    node = await startTestNode(overrides, { dataDir });
    const later = makeFinding(seedStudy(node.index, 'one-path-later'));
    node.triage.findings.record(later, null, () => true);
    await eventually(() => hooks.every((h) => h.bodies.some((b) => b.includes(later.id))), 'the later alert delivered');
    for (const hook of hooks) {
      expect(
        hook.bodies.filter((b) => b.includes(finding.id)),
        'the first alert once',
      ).to.have.length(1);
      expect(hook.bodies).to.have.length(2);
    }
    expect(node.alerts.alerts.list({ limit: 10 })).to.have.length(2);
    expect(raised()).to.have.length(1);
  });
});
