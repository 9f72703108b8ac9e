import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Bundle, Observation } from 'fhir/r4.js';
import { apiAs } from '../helpers/api.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { eventually } from '../helpers/eventually.js';
import { FhirStub } from '../helpers/fhir-stub.js';
import { MllpPeer } from '../helpers/mllp-peer.js';
import { writeSlices, type SliceSpec } from '../helpers/pixel-fixtures.js';
import { parseWithPythonHl7, requirePythonHl7 } from '../helpers/python-hl7.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { copyPacks, seriesIdOf, settled } from '../helpers/triage.js';
import type { Alert } from '../../src/alerts/model.js';

/**
 * A head CT of `slices` slices 5 mm apart (32 × 32 at 1 mm) whose count tags announce them all,
 * so the series completes when the last one arrives. Slice 0 holds a 200 HU square where the
 * test model's map has a cell: on the first two slices (an early run) the model sees it; on
 * eight, the model's 4-slice grid centred on the series leaves slice 0 out and the result is negative.
 */
function headCt(dir: string, seed: string, slices: number): string[] {
  const specs: SliceSpec[] = Array.from({ length: slices }, (_, k) => ({
    position: [0, 0, 5 * k],
    value: (r, c) => (k === 0 && r >= 8 && r < 16 && c >= 8 && c < 16 ? 1224 : 1064),
  }));
  return writeSlices(path.join(dir, seed), { seed, rows: 32, columns: 32, pixelSpacing: [1, 1], intercept: -1024, imagesInAcquisition: slices }, specs);
}

describe('triage/early positive: a model runs on a series still arriving, preliminary then final', function () {
  this.timeout(90_000);
  let node: TestNode;
  let work: string;
  let peer: MllpPeer;
  let fhir: FhirStub;
  let hook: WebhookReceiver;

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requirePythonHl7(this);
    work = makeTempDir();
    const models = copyPacks(path.join(work, 'models'), ['test-volume']);
    // The test model under a shipped pack's id (the rules accept the ids of the shipped packs),
    // running early once two slices 5 mm apart have arrived.
    fs.renameSync(path.join(models, 'test-volume'), path.join(models, 'stroke-ich'));
    const file = path.join(models, 'stroke-ich', 'manifest.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), id: 'stroke-ich', partial: { minSlices: 2, minZExtentMm: 5 } }));
    peer = new MllpPeer();
    await peer.start();
    fhir = new FhirStub();
    await fhir.start();
    hook = new WebhookReceiver();
    const hookUrl = await hook.start();
    node = await startTestNode({
      // Completeness from the count tags; the idle window never ends a series during the test.
      series: { idleSeconds: 600 },
      triage: { modelsDir: models, workers: 1 },
      alerts: {
        destinations: [
          { id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port, orderUpdate: 'none' },
          { id: 'ehr', type: 'fhir', baseUrl: fhir.baseUrl, team: { display: 'Neuroradiology on call' } },
          { id: 'chat', type: 'webhook', url: hookUrl, secret: 'test-secret' },
        ],
        delivery: { backoff: { initialMs: 10, maxMs: 40 } },
      },
    });
    node.rules.book.apply(
      { rules: [{ id: 'site.heads', when: { attr: 'Modality', equals: 'CT' }, then: { models: ['stroke-ich'] } }] },
      { author: 'test-it', source: 'api' },
    );
  });
  after(async () => {
    await node?.dispose();
    await peer?.stop();
    await fhir?.stop();
    await hook?.stop();
    if (work) removeDir(work);
  });

  async function push(files: string[]): Promise<void> {
    const result = await storescu(node.dicom.port, files);
    expect(storeResponses(result), result.stderr).to.deep.equal({ success: files.length, failed: 0 });
  }
  const alertsOf = (studyId: string): Alert[] => node.alerts.alerts.list({ studyId, limit: 10 });
  const delivered = (alert: Alert): boolean => node.alerts.deliveries.ofAlert(alert.id).every((d) => d.state === 'delivered');
  /** OBR-3, OBR-25 and OBX-11 of the ORUs the RIS got for a result, as python3-hl7 reads them. */
  const orus = (resultId: string): string[][] =>
    parseWithPythonHl7(peer.received.map((r) => r.text))
      .filter((v) => v['OBR#1.3.1.1.1'] === resultId)
      .map((v) => [v['OBR#1.25.1.1.1']!, v['OBX#1.11.1.1.1']!, v['OBX#2.11.1.1.1']!]);
  /** The Observation in each FHIR transaction about a result: how it was written and its status. */
  const observations = (resultId: string): string[][] =>
    fhir
      .transactions()
      .map((tx) => (tx.body as Bundle).entry!.find((e) => e.resource?.resourceType === 'Observation')!)
      .filter((e) => (e.resource as Observation).identifier![0]!.value === resultId)
      .map((e) => [e.request!.method, (e.resource as Observation).status]);
  /** The webhook bodies about a result: event and status. */
  const hooks = (resultId: string): string[][] =>
    hook.bodies
      .map((b) => JSON.parse(b) as { event: string; alert: { resultId: string; status: string } })
      .filter((b) => b.alert.resultId === resultId)
      .map((b) => [b.event, b.alert.status]);

  it('alerts at once on the part that arrived, marked preliminary in HL7, FHIR and the worklist, then makes it final at completion', async () => {
    const files = headCt(work, 'early-pos', 4);
    await push(files.slice(0, 2));
    const seriesId = seriesIdOf(node, 'early-pos');
    expect(node.series.stateOf(seriesId)?.state, 'still arriving').to.equal('open');

    const preliminary = await eventually(
      () => alertsOf(node.index.getResource('series', seriesId)!.parentId!).find(delivered),
      'the preliminary alert delivered',
    );
    expect(preliminary.finding).to.include({ preliminary: true, positive: true, critical: true });
    expect(fhir.transactions().every((tx) => tx.problems.length === 0)).to.equal(true);
    expect(orus(preliminary.id)).to.deep.equal([['P', 'P', 'P']]);
    expect(observations(preliminary.id)).to.deep.equal([['POST', 'preliminary']]);
    expect(hooks(preliminary.id)).to.deep.equal([['alert.raised', 'preliminary']]);
    const rad = await apiAs(node, 'radiologist');
    const early = (await rad.get('/worklist').expect(200)).body.entries.find((e: { studyId: string }) => e.studyId === preliminary.studyId);
    expect(early.priority).to.include({ effective: 'stat', raisedByAi: true });
    expect(early.reason).to.include({ preliminary: true, positive: true });
    expect(early.why).to.include('preliminary (series still arriving)');

    await push(files.slice(2));
    const final = await eventually(() => alertsOf(preliminary.studyId).find((a) => a.id !== preliminary.id && delivered(a)), 'the final result delivered');
    expect(final).to.include({ resultId: preliminary.id, replaces: preliminary.id, confirms: true, state: 'open' });
    expect(final.finding.preliminary).to.equal(undefined);
    expect(node.alerts.alerts.get(preliminary.id)!.state).to.equal('superseded');
    // One final message under the same result id: final, not a correction, and no second alert.
    expect(orus(preliminary.id)).to.deep.equal([
      ['P', 'P', 'P'],
      ['P', 'F', 'F'],
    ]);
    expect(observations(preliminary.id)).to.deep.equal([
      ['POST', 'preliminary'],
      ['PUT', 'final'],
    ]);
    expect(fhir.all('Observation').map((o) => o.status)).to.deep.equal(['final']);
    expect(hooks(preliminary.id)).to.deep.equal([
      ['alert.raised', 'preliminary'],
      ['alert.raised', 'final'],
    ]);
    const later = (await rad.get('/worklist').expect(200)).body.entries.find((e: { studyId: string }) => e.studyId === preliminary.studyId);
    expect(later.reason).to.include({ preliminary: false, positive: true });
    expect(later.why).not.to.include('preliminary');
    const jobs = node.triage.jobs.list({ seriesId, limit: 10, offset: 0 });
    expect(jobs.map((j) => [j.early, j.state]).sort()).to.deep.equal([
      [false, 'done'],
      [true, 'done'],
    ]);
  });

  it('withdraws an early positive everywhere it went when the complete series is negative', async () => {
    const files = headCt(work, 'early-neg', 8);
    await push(files.slice(0, 2));
    const seriesId = seriesIdOf(node, 'early-neg');
    const studyId = node.index.getResource('series', seriesId)!.parentId!;
    const preliminary = await eventually(() => alertsOf(studyId).find(delivered), 'the preliminary alert delivered');
    expect(preliminary.finding).to.include({ preliminary: true, positive: true });

    await push(files.slice(2));
    await eventually(
      () => node.alerts.alerts.get(preliminary.id)!.state === 'withdrawn' && delivered(node.alerts.alerts.get(preliminary.id)!),
      'the withdrawal delivered',
    );
    expect(
      alertsOf(studyId).map((a) => a.id),
      'no other alert',
    ).to.deep.equal([preliminary.id]);
    expect(
      node.alerts.deliveries
        .ofAlert(preliminary.id)
        .map((d) => [d.destinationId, d.kind])
        .sort(),
    ).to.deep.equal([
      ['chat', 'alert'],
      ['chat', 'withdrawal'],
      ['ehr', 'alert'],
      ['ehr', 'withdrawal'],
      ['ris', 'alert'],
      ['ris', 'withdrawal'],
    ]);
    expect(hooks(preliminary.id)).to.deep.equal([
      ['alert.raised', 'preliminary'],
      ['alert.withdrawn', 'corrected'],
    ]);
    expect(orus(preliminary.id)).to.deep.equal([
      ['P', 'P', 'P'],
      ['C', 'C', 'C'],
    ]);
    expect(observations(preliminary.id)).to.deep.equal([
      ['POST', 'preliminary'],
      ['PUT', 'corrected'],
    ]);
    const rad = await apiAs(node, 'radiologist');
    const entry = (await rad.get('/worklist').expect(200)).body.entries.find((e: { studyId: string }) => e.studyId === studyId);
    expect(entry.priority.raisedByAi, 'the raise is taken back').to.equal(false);
    expect(entry.findings.map((f: { positive: boolean; preliminary: boolean }) => [f.positive, f.preliminary])).to.deep.equal([[false, false]]);
  });

  it('drops an early run whose series completed before it ran: the final job speaks', async () => {
    // One slice, announced alone: complete at once, too little for an early run of its own.
    const files = headCt(work, 'early-late', 1);
    await push(files);
    const seriesId = seriesIdOf(node, 'early-late');
    await eventually(() => node.series.stateOf(seriesId)?.state === 'stable', 'the series complete');
    const { job, created } = node.triage.enqueue({ seriesId, seriesVersion: 1, modelId: 'stroke-ich', early: true });
    expect(created).to.equal(true);
    const done = await settled(node, job.id);
    expect(done).to.include({ state: 'cancelled', findingId: null });
    expect(node.triage.findings.list({ seriesId, limit: 10, offset: 0 }).filter((f) => f.preliminary)).to.deep.equal([]);
  });
});
