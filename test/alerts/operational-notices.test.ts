import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { configSchema } from '../../src/config/schema.js';
import { isVigilError } from '../../src/core/errors.js';
import { eventually } from '../helpers/eventually.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { scopedPack } from '../helpers/triage.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const DAY = 86_400_000;

/**
 * Drift and a positive rate far above the validated one reach IT through the operational
 * outbox, to destinations with use 'operational' only; patient alerts never go there, and the
 * notices never go to patient destinations.
 */
describe('alerts/operational: model notices to IT, never mixed with patient alerts', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  const team = new WebhookReceiver();
  const it_ = new WebhookReceiver();

  before(async () => {
    work = makeTempDir();
    const models = scopedPack(path.join(work, 'models'), 'stroke', 'test pack');
    // Validated: 94 % of scores below 0.1, 3 % at or above 0.62 (bins of 0.1).
    fs.writeFileSync(
      path.join(models, 'stroke', 'score-baseline.json'),
      JSON.stringify({
        source: 'validation split (test)',
        edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
        counts: [94, 1, 1, 1, 0, 0, 0, 1, 1, 1],
      }),
    );
    node = await startTestNode({
      triage: { modelsDir: models, workers: 1 },
      worklist: { monitoring: { minScores: 10, positiveRateAlarm: { factor: 2, minFindings: 20 } } },
      alerts: {
        destinations: [
          { id: 'stroke-team', type: 'webhook', url: await team.start(), secret: 's'.repeat(32) },
          { id: 'it-ops', type: 'webhook', use: 'operational', url: await it_.start(), secret: 'o'.repeat(32) },
        ],
      },
    });
  });
  after(async () => {
    await node?.dispose();
    await team.stop();
    await it_.stop();
    if (work) removeDir(work);
  });

  it('tells IT once of drift and of a positive rate far above the validated one; patients alerts go to the team only', async () => {
    const yesterday = Date.now() - DAY;
    // 24 findings yesterday, 12 of them critical positives: a new scanner's normals scoring high.
    for (let i = 0; i < 24; i++) {
      const positive = i % 2 === 0;
      const study = seedStudy(node.index, `ops-${i}`);
      const f = makeFinding(study, {
        probability: positive ? 0.9 : 0.45,
        positive,
        critical: positive,
        priority: positive ? 'stat' : 'routine',
        createdAt: yesterday,
      });
      expect(node.triage.findings.record(f, null, () => true)).to.equal(true);
    }
    await eventually(() => team.bodies.length === 12, 'the 12 patient alerts at the team');

    node.worklist.monitor.runOnce();
    const bodies = await eventually(() => (it_.bodies.length === 2 ? it_.bodies.map((b) => JSON.parse(b)) : undefined), 'two operational notices at IT');
    const byEvent = Object.fromEntries(bodies.map((b) => [b.event, b]));
    expect(Object.keys(byEvent).sort()).to.deep.equal(['operational.model-drift', 'operational.positive-rate-high']);
    const rate = byEvent['operational.positive-rate-high'];
    expect(rate.notice).to.include({ modelId: 'stroke', positives: 12, findings: 24, threshold: 0.62, factor: 2 });
    expect(rate.summary).to.match(
      /^Model stroke: 12 of 24 findings positive on \d{4}-\d{2}-\d{2} \(50\.0%, 95% CI 31\.4%-68\.6%\), more than 2 times the validated 3\.\d% at threshold 0\.62/,
    );
    expect(byEvent['operational.model-drift'].notice).to.include({ modelId: 'stroke', windowScores: 24 });
    // No patient data in a notice; no notice at the team, no patient alert at IT.
    for (const b of it_.bodies) expect(b).to.not.match(/DOE|PID-|ACC-|studyInstanceUid|"patient"/);
    expect(team.bodies.map((b) => JSON.parse(b).event)).to.deep.equal(new Array(12).fill('alert.raised'));

    // The same day again: no second notice.
    node.worklist.monitor.runOnce();
    expect(node.index.changes.list(0, 10_000).changes.filter((c) => c.type === 'operational-notice')).to.have.length(2);
  });

  it('refuses an operational destination that is not a webhook, and escalation to an operational one', async () => {
    const parsed = configSchema.safeParse({ alerts: { destinations: [{ id: 'ops', type: 'hl7v2', use: 'operational', host: '127.0.0.1', port: 1 }] } });
    expect(parsed.success).to.equal(false);
    expect(parsed.error!.issues.map((i) => [i.path.join('.'), i.message])).to.deep.include([
      'alerts.destinations.0.use',
      'an operational destination is a webhook, not hl7v2',
    ]);

    const dir = makeTempDir();
    try {
      let caught: unknown;
      try {
        await startTestNode(
          {
            alerts: {
              destinations: [{ id: 'ops', type: 'webhook', use: 'operational', url: 'http://127.0.0.1:1/x', secret: 's'.repeat(32) }],
              escalation: { levels: [{ afterMs: 60_000, destinations: ['ops'] }] },
            },
          },
          { dataDir: dir },
        );
      } catch (err) {
        caught = err;
      }
      expect(isVigilError(caught, 'CONFIG_INVALID'), String(caught)).to.equal(true);
      expect((caught as Error).message).to.equal('alerts.escalation names operational destinations (never sent patient alerts): ops');
    } finally {
      removeDir(dir);
    }
  });
});
