import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { eventually } from '../../helpers/eventually.js';
import { writeSlices, type SliceSpec } from '../../helpers/pixel-fixtures.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { ingest, scopedPack } from '../../helpers/triage.js';
import { WebhookReceiver } from '../../helpers/webhook-receiver.js';
import type { Finding } from '../../../src/domain/finding.js';

/**
 * The site cycle of a model, end to end: a pack version in shadow (C-STORE with DCMTK's storescu,
 * routed by a rule, findings stored and alerting nobody), radiologists' verdicts through the
 * worklist's feedback API, `vigil calibrate` proposing and applying a site operating point from
 * them, `vigil models live`, then live findings decided by the site point and saying so in the
 * alert that reaches a real webhook; and the rollback to the shipped point.
 *
 * The test pack's probability is sigmoid(20 (peak - 0.7)), the peak being the brightest 8 mm
 * cell of the brain window (0-80 HU): a square of `hu` on one slice sets it. The shipped
 * threshold 0.5 falls at 56 HU, inside these "normals" (40-60 HU squares: mimics), as the
 * shipped stroke model's did at a new site; the "bleeds" are 72 HU and up.
 */
const NORMALS = [40, 48, 52, 58, 60];
const BLEEDS = [72, 78, 90, 200];

function study(dir: string, seed: string, hu: number): string[] {
  const slices: SliceSpec[] = Array.from({ length: 4 }, (_, k) => ({
    position: [0, 0, 5 * k],
    value: (r, c) => 1024 + (k === 2 && r >= 8 && r < 16 && c >= 8 && c < 16 ? hu : 40),
  }));
  return writeSlices(path.join(dir, seed), { seed, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024 }, slices);
}

describe('triage/site: shadow -> verdicts -> vigil calibrate -> live, through C-STORE, the worklist and the CLI', function () {
  this.timeout(180_000);
  let node: TestNode;
  let work: string;
  let configFile: string;
  let it_: ApiClient;
  let radiologist: ApiClient;
  const hook = new WebhookReceiver();

  function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['src/cli/vigil.mjs', ...args],
        { env: { ...process.env, VIGIL_CONFIG: configFile, VIGIL_DATA_DIR: node.dataDir, VIGIL_MODELS_DIR: path.join(work, 'models') }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  /** Pushes a study with storescu and waits for the finding the routing rule's job makes. */
  async function push(seed: string, hu: number): Promise<Finding> {
    const seriesId = await ingest(node, study(work, seed, hu), seed);
    return eventually(() => node.triage.findings.list({ seriesId, limit: 1, offset: 0 })[0], `the finding of ${seed}`, 60_000);
  }

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    work = makeTempDir();
    // The test pack as model stroke-ich 1.0.0: routing rules may name only the ids of the packs in
    // the repository's models/ (src/rules/model-catalog.ts), whatever triage.modelsDir says.
    scopedPack(path.join(work, 'models'), 'stroke-ich', 'bright squares (test pack)');
    const rules = path.join(work, 'rules.json');
    fs.writeFileSync(
      rules,
      JSON.stringify({ rules: [{ id: 'site.every-ct', when: { attr: 'Modality', equals: 'CT' }, then: { models: ['stroke-ich'], priority: 'routine' } }] }),
    );
    // What the CLI reads: the same calibration minimums and pack mode as the node.
    const triage = { newPackMode: 'shadow' as const, calibration: { minPositives: 3, minNegatives: 4 } };
    configFile = path.join(work, 'vigil.json');
    fs.writeFileSync(configFile, JSON.stringify({ triage }));
    const url = await hook.start();
    node = await startTestNode({
      triage: { modelsDir: path.join(work, 'models'), workers: 1, ...triage },
      rules: { file: rules, watch: false },
      series: { idleSeconds: 0.5 },
      alerts: { destinations: [{ id: 'stroke-team', type: 'webhook', url, secret: 's'.repeat(32) }] },
    });
    it_ = await apiAs(node, 'it');
    radiologist = await apiAs(node, 'radiologist');
  });
  after(async () => {
    await node?.dispose();
    await hook.stop();
    if (work) removeDir(work);
  });

  it('runs the cycle', async () => {
    // 1. Shadow (triage.newPackMode): findings stored and monitored, nobody alerted, nothing raised.
    const site0 = await it_.get('/models/stroke-ich/site').expect(200);
    expect(site0.body.mode).to.deep.equal({ mode: 'shadow', version: null });
    expect(site0.body.operatingPoint).to.include({ source: 'shipped', name: 'default', threshold: 0.5 });

    const shadow: { finding: Finding; present: boolean }[] = [];
    for (const [i, hu] of NORMALS.entries()) shadow.push({ finding: await push(`normal-${i}`, hu), present: false });
    for (const [i, hu] of BLEEDS.entries()) shadow.push({ finding: await push(`bleed-${i}`, hu), present: true });

    const scores = (present: boolean) => shadow.filter((s) => s.present === present).map((s) => s.finding.probability);
    // The shipped point calls a normal positive: what a shadow run at the site is there to find.
    expect(Math.max(...scores(false)), 'a normal at or above the shipped threshold').to.be.at.least(0.5);
    expect(Math.max(...scores(false)), 'every bleed above every normal').to.be.below(Math.min(...scores(true)));
    for (const { finding } of shadow) {
      expect(finding.mode).to.equal('shadow');
      expect(finding.critical).to.equal(false);
      expect(finding.operatingPoint).to.include({ source: 'shipped', version: null });
    }
    const shadowPositive = shadow.find((s) => s.present)!.finding;
    expect(shadowPositive.positive).to.equal(true);
    expect((await radiologist.get('/alerts').expect(200)).body, 'no alert from a shadow run').to.deep.equal([]);
    const entry = (await radiologist.get(`/worklist/${shadowPositive.studyId}`).expect(200)).body;
    expect(entry.priority.effective, 'a shadow positive raises nothing').to.equal('routine');
    expect(entry.findings, 'nor is it shown as a result of the study').to.deep.equal([]);

    // Too little evidence: no proposal.
    const early = await vigil(['calibrate', 'stroke-ich', '--target-sensitivity', '1']);
    expect(early.code, early.stderr).to.equal(1);
    expect(early.stderr).to.match(/0 positive and 0 negative cases.*at least 3 and 4/);

    // 2. Verdicts, as radiologists give them on the worklist: agree when the model's result is right.
    for (const { finding, present } of shadow) {
      await radiologist
        .post(`/worklist/findings/${finding.id}/feedback`)
        .send({ verdict: finding.positive === present ? 'agree' : 'disagree' })
        .expect(201);
    }

    // 3. vigil calibrate: the proposal with its counts and intervals, then applied.
    const proposed = await vigil(['calibrate', 'stroke-ich', '--target-sensitivity', '1']);
    expect(proposed.code, proposed.stderr).to.equal(0);
    expect(proposed.stdout).to.match(/4 with the finding, 5 without/);
    expect(proposed.stdout).to.match(/sensitivity 1\.000 \(95% CI 0\.\d{3}-1\.000; 4\/4\)/);
    expect(proposed.stdout).to.match(/specificity 1\.000 \(95% CI 0\.\d{3}-1\.000; 5\/5\)/);
    expect(proposed.stdout).to.match(/not applied/);
    expect((await it_.get('/models/stroke-ich/site').expect(200)).body.operatingPoint.source, 'a proposal changes nothing').to.equal('shipped');

    const applied = await vigil(['calibrate', 'stroke-ich', '--target-sensitivity', '1', '--apply', '--json', '--reason', 'shadow run, 9 studies']);
    expect(applied.code, applied.stderr).to.equal(0);
    const point = JSON.parse(applied.stdout) as {
      version: number;
      threshold: number;
      proposal: { shipped: { specificity: { count: number; total: number } } };
    };
    expect(point.threshold)
      .to.be.above(Math.max(...scores(false)))
      .and.below(Math.min(...scores(true)));
    expect(point.proposal.shipped.specificity.total).to.equal(5);
    expect(point.proposal.shipped.specificity.count, 'the shipped point on the same cases').to.be.below(5);

    // 4. IT promotes the pack version to live.
    const promoted = await vigil(['models', 'live', 'stroke-ich', '--reason', 'validated here']);
    expect(promoted.code, promoted.stderr).to.equal(0);
    const site1 = (await it_.get('/models/stroke-ich/site').expect(200)).body;
    expect(site1.mode.mode).to.equal('live');
    expect(site1.operatingPoint).to.include({ source: 'site', version: point.version, threshold: point.threshold });

    // A normal the shipped point would have called: negative at the site point, nobody alerted.
    const normal = await push('live-normal', 60);
    expect(normal.probability).to.be.at.least(0.5);
    expect(normal).to.include({ mode: 'live', positive: false, critical: false });
    expect(normal.operatingPoint).to.include({ source: 'site', version: point.version, name: `site-v${point.version}` });

    // A bleed: critical, STAT on the worklist, and the alert names the site point that decided it.
    const bleed = await push('live-bleed', 78);
    expect(bleed).to.include({ mode: 'live', positive: true, critical: true });
    const liveEntry = (await radiologist.get(`/worklist/${bleed.studyId}`).expect(200)).body;
    expect(liveEntry.priority.effective).to.equal('stat');
    expect(liveEntry.findings[0].decidedBy).to.deep.equal({ source: 'site', version: point.version });
    const alerts = (await radiologist.get('/alerts').expect(200)).body as { findingId: string; operatingPoint: unknown }[];
    expect(alerts.map((a) => a.findingId)).to.deep.equal([bleed.id]);
    expect(alerts[0]!.operatingPoint).to.include({ source: 'site', version: point.version });
    const body = await eventually(() => hook.bodies.find((b) => b.includes(bleed.id)), 'the webhook delivery of the live alert', 30_000);
    expect(JSON.parse(body).summary).to.include(`site operating point v${point.version} of stroke-ich 1.0.0`);

    // 5. Rollback to the shipped point: the next finding is decided by it again.
    const back = await vigil(['calibrate', 'stroke-ich', '--rollback', 'shipped']);
    expect(back.code, back.stderr).to.equal(0);
    const again = await push('after-rollback', 60);
    expect(again.operatingPoint).to.include({ source: 'shipped', version: null });
    expect(again.positive).to.equal(true);

    // Every change is in the history and in the audit trail.
    const site2 = (await it_.get('/models/stroke-ich/site').expect(200)).body;
    expect(site2.operatingPointHistory.map((v: { source: string }) => v.source)).to.deep.equal(['shipped', 'site']);
    expect(site2.modeHistory.map((v: { mode: string; reason: string }) => [v.mode, v.reason])).to.deep.equal([['live', 'validated here']]);
    const trail = node.audit
      .list({ since: 0, limit: 1000 })
      .entries.filter((e) => e.method === 'CLI')
      .map((e) => [e.route, e.status]);
    expect(trail).to.deep.equal([
      ['vigil calibrate --apply', 200],
      ['vigil models live', 200],
      ['vigil calibrate --rollback', 200],
    ]);
  });
});
