import { expect } from 'chai';
import type { Bundle, Communication, DiagnosticReport, Observation } from 'fhir/r4.js';
import type { Delivery } from '../../../src/alerts/model.js';
import { alertsHarness, type AlertsHarness } from '../../helpers/alerts-harness.js';
import { FhirStub } from '../../helpers/fhir-stub.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { ManualClock } from '../../../src/core/clock.js';
import { eventually, settle } from '../../helpers/eventually.js';

describe('alerts/channels/fhir: transaction bundles to a FHIR R4 stub, validated', function () {
  this.timeout(30_000);
  let stub: FhirStub;
  let h: AlertsHarness;

  async function setup(dest: Record<string, unknown> = {}, escalation?: unknown, clock?: ManualClock): Promise<void> {
    stub = new FhirStub();
    await stub.start();
    h = alertsHarness(
      {
        destinations: [
          {
            id: 'ehr',
            type: 'fhir',
            baseUrl: stub.baseUrl,
            team: { reference: 'CareTeam/neuro', display: 'Neuroradiology on call' },
            accessionIdentifierSystem: 'urn:hosp:acc',
            ...dest,
          } as never,
          { id: 'ehr-backup', type: 'fhir', use: 'escalation', baseUrl: stub.baseUrl, team: { display: 'Radiology head of department' } },
        ],
        delivery: { backoff: { initialMs: 10, maxMs: 40 }, breaker: { failureThreshold: 3, cooldownMs: 50 } },
        ...(escalation ? { escalation } : {}),
      },
      clock ? { clock } : {},
    );
    await h.part.start();
  }
  afterEach(async () => {
    await h?.dispose();
    await stub?.stop();
  });

  function raise(seed: string, overrides = {}): string {
    const r = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, seed, { accessionNumber: `A-${seed}` }), overrides));
    if (r.outcome !== 'created') throw new Error('not created');
    return r.alert.id;
  }
  const deliveries = (): Delivery[] => h.part.deliveries.list({ limit: 100 });
  const settled = () => eventually(() => (deliveries().every((d) => d.state !== 'pending') ? deliveries() : undefined), 'deliveries settled');

  it('posts a valid transaction: preliminary report, critical observation, communication to the team; raises the order to stat', async () => {
    await setup();
    const order = stub.add({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      priority: 'routine',
      subject: { reference: 'Patient/1' },
      identifier: [{ system: 'urn:hosp:acc', value: 'A-f1' }],
    });
    const alertId = raise('f1');
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', attempts: 1 });
    expect(d!.closedReason).to.include(`ServiceRequest/${order.id} raised to stat`);
    const [tx] = stub.transactions();
    expect(tx!.problems, tx!.problems.join('\n')).to.deep.equal([]);
    expect(tx!.headers['content-type']).to.match(/application\/fhir\+json/);
    const bundle = tx!.body as Bundle;
    expect(bundle.type).to.equal('transaction');
    expect(bundle.entry!.map((e) => `${e.request!.method} ${e.request!.url}`)).to.deep.equal([
      'POST DiagnosticReport',
      'POST Observation',
      'POST Communication',
      `PUT ServiceRequest/${order.id}`,
    ]);
    expect(bundle.entry!.slice(0, 3).every((e) => e.request!.ifNoneExist?.startsWith('identifier='))).to.equal(true);
    expect(bundle.entry![3]!.request!.ifMatch).to.equal('W/"1"');
    const [report, obs, comm] = bundle.entry!.map((e) => e.resource) as [DiagnosticReport, Observation, Communication];
    expect(report).to.include({ status: 'preliminary' });
    expect(report.identifier).to.deep.equal([{ system: 'urn:vigil:alert', value: alertId }]);
    expect(report.basedOn).to.deep.equal([{ reference: `ServiceRequest/${order.id}` }]);
    expect(report.conclusion).to.include('not a diagnosis');
    expect(obs.valueQuantity).to.include({ value: 0.93, system: 'http://unitsofmeasure.org', code: '1' });
    expect(obs.interpretation![0]!.coding![0]).to.include({ code: 'AA' });
    expect(obs.code.coding![0]).to.include({ system: 'http://snomed.info/sct', code: '50960005' });
    expect(comm).to.include({ status: 'completed', priority: 'stat' });
    expect(comm.recipient).to.deep.equal([{ reference: 'CareTeam/neuro', display: 'Neuroradiology on call' }]);
    expect(comm.about).to.deep.equal([{ reference: bundle.entry![0]!.fullUrl }]);
    expect(stub.all('ServiceRequest')[0]).to.include({ priority: 'stat' });
  });

  it('notes a finding made on part of its series on the observation and in the report', async () => {
    await setup();
    raise('partial', { incompleteSeries: { images: 180, announced: 240 } });
    await settled();
    const [tx] = stub.transactions();
    expect(tx!.problems, tx!.problems.join('\n')).to.deep.equal([]);
    const [report, obs] = (tx!.body as Bundle).entry!.map((e) => e.resource) as [DiagnosticReport, Observation];
    const caveat = 'Made on an incomplete series: 180 of the 240 images its count tags announce had arrived when the model ran.';
    expect(obs.note!.map((n) => n.text))
      .to.have.length(2)
      .and.to.include(caveat);
    expect(report.conclusion).to.include(caveat);
  });

  it('a withdrawal updates the same report and observation in place (status corrected, the negative) and tells the team', async () => {
    await setup();
    const study = seedStudy(h.index, 'w1', { accessionNumber: 'A-w1' });
    const first = h.part.outbox.enqueueForFinding(makeFinding(study));
    await settled();
    const withdrawn = h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.04 }));
    await settled();
    if (first.outcome !== 'created' || withdrawn.outcome !== 'withdrawn') throw new Error('unexpected outcomes');
    const [, tx] = stub.transactions();
    expect(tx!.problems, tx!.problems.join('\n')).to.deep.equal([]);
    const bundle = tx!.body as Bundle;
    const byResult = `identifier=urn:vigil:alert|${first.alert.id}`;
    expect(bundle.entry!.map((e) => `${e.request!.method} ${e.request!.url}`)).to.deep.equal([
      `PUT DiagnosticReport?${byResult}`,
      `PUT Observation?${byResult}`,
      'POST Communication',
    ]);
    const [report, obs, comm] = bundle.entry!.map((e) => e.resource) as [DiagnosticReport, Observation, Communication];
    expect([report.status, obs.status, report.conclusionCode]).to.deep.equal(['corrected', 'corrected', undefined]);
    expect(report.conclusion).to.match(/^Withdrawn: model stroke 1\.0\.0, run again on a later version of the series, no longer finds Hemorrhage/);
    expect(obs.valueQuantity).to.include({ value: 0.04 });
    expect(obs.interpretation![0]!.coding![0]).to.include({ code: 'N' });
    expect(comm).to.include({ priority: 'routine' });
    expect(comm.payload![0]!.contentString).to.match(/^Withdrawn: /);
    // One report, now in its second version: the server's history keeps what the alert said.
    expect(stub.all('DiagnosticReport').map((r) => [r.status, r.meta?.versionId])).to.deep.equal([['corrected', '2']]);
    expect(stub.all('Observation')).to.have.length(1);
  });

  it('a changed result corrects the report under the first alert’s identifier', async () => {
    await setup({ when: { criticalOnly: false } });
    const study = seedStudy(h.index, 'c1', { accessionNumber: 'A-c1' });
    const first = h.part.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent', probability: 0.7 }));
    await settled();
    h.part.outbox.enqueueForFinding(makeFinding(study));
    await settled();
    if (first.outcome !== 'created') throw new Error('not created');
    const [, tx] = stub.transactions();
    expect(tx!.problems, tx!.problems.join('\n')).to.deep.equal([]);
    const [report, obs] = (tx!.body as Bundle).entry!.map((e) => e.resource) as [DiagnosticReport, Observation];
    expect(report.identifier).to.deep.equal([{ system: 'urn:vigil:alert', value: first.alert.id }]);
    expect([report.status, obs.interpretation![0]!.coding![0]!.code]).to.deep.equal(['corrected', 'AA']);
    expect(report.conclusion).to.include('CRITICAL AI triage: possible Hemorrhage').and.to.include('Corrected: ');
    expect(stub.all('DiagnosticReport')).to.have.length(1);
  });

  it('never lowers an order already at stat, and raises a Task when no ServiceRequest matches', async () => {
    await setup();
    stub.add({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      priority: 'stat',
      subject: { reference: 'Patient/1' },
      identifier: [{ system: 'urn:hosp:acc', value: 'A-s1' }],
    });
    stub.add({ resourceType: 'Task', status: 'ready', intent: 'order', priority: 'routine', identifier: [{ system: 'urn:hosp:acc', value: 'A-t1' }] });
    raise('s1');
    raise('t1');
    await settled();
    const [first, second] = stub.transactions().map((t) => (t.body as Bundle).entry!.map((e) => `${e.request!.method} ${e.request!.url}`));
    expect(first).to.have.length(3);
    expect(second!.at(-1)).to.match(/^PUT Task\//);
    expect(stub.transactions().flatMap((t) => t.problems)).to.deep.equal([]);
    expect(stub.all('Task')[0]).to.include({ priority: 'stat' });
  });

  it('retries 5xx and 429, dead-letters 4xx with the server’s OperationOutcome kept apart; a retry creates nothing twice', async () => {
    await setup();
    stub.failNext(503, 2);
    stub.failNext(429);
    raise('r1');
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', attempts: 4 });
    expect(stub.all('DiagnosticReport')).to.have.length(1);

    stub.failNext(422);
    raise('r2');
    const after = await settled();
    expect(after[1]).to.include({ state: 'dead', lastErrorCode: 'ALERT_HTTP_REJECTED' });
    expect(after[1]!.closedReason).to.match(/: HTTP 422, request refused$/);
    expect(after[1]!.lastPeerText).to.include('stub says 422');

    // a person retries the dead one; its first answer is lost, so it is sent twice
    stub.loseNextAnswer();
    h.part.outbox.retry(after[1]!.alertId, 'it');
    const retried = await settled();
    expect(retried[1]).to.include({ state: 'delivered', attempts: 3 });
    expect(stub.all('DiagnosticReport')).to.have.length(2);
    expect(stub.all('Observation')).to.have.length(2);
    expect(stub.all('Communication')).to.have.length(2);
  });

  it('gets and reuses an OAuth2 client-credentials token, renewing it once when refused', async () => {
    stub = new FhirStub();
    await stub.start();
    stub.token = 'issued-token';
    h = alertsHarness({
      destinations: [
        {
          id: 'ehr',
          type: 'fhir',
          baseUrl: stub.baseUrl,
          team: { display: 'Neuro' },
          auth: {
            type: 'client-credentials',
            tokenUrl: stub.baseUrl.replace(/\/fhir$/, '/token'),
            clientId: 'vigil',
            clientSecret: { env: 'VIGIL_TEST_FHIR_SECRET' },
          },
        },
      ],
      delivery: { backoff: { initialMs: 10, maxMs: 40 } },
    });
    process.env.VIGIL_TEST_FHIR_SECRET = 'shh';
    await h.part.start();
    raise('o1');
    raise('o2');
    await settled();
    expect(stub.tokensIssued).to.equal(1);
    expect(deliveries().map((d) => d.state)).to.deep.equal(['delivered', 'delivered']);
    stub.token = stub.client.token = 'rotated';
    raise('o3');
    await settled();
    expect(stub.tokensIssued).to.equal(2);
    expect(deliveries()[2]).to.include({ state: 'delivered', attempts: 1 });
    stub.client.secret = 'changed';
    stub.token = stub.client.token = 'rotated-again';
    raise('o4');
    await settled();
    expect(deliveries()[3]).to.include({ state: 'dead', lastErrorCode: 'ALERT_AUTH_FAILED' });
    delete process.env.VIGIL_TEST_FHIR_SECRET;
  });

  it('an escalation to another team adds a Communication, not a second report', async () => {
    const clock = new ManualClock();
    await setup({}, { levels: [{ afterMs: 60_000, destinations: ['ehr-backup'] }] }, clock);
    const alertId = raise('e1');
    await settled();
    clock.advance(59_000);
    await settle();
    expect(h.part.escalator.runOnce()).to.equal(0);
    clock.advance(1000);
    await settle();
    expect(h.part.escalator.runOnce()).to.equal(1);
    const all = await settled();
    expect(all.map((d) => [d.destinationId, d.kind, d.state])).to.deep.equal([
      ['ehr', 'alert', 'delivered'],
      ['ehr-backup', 'escalation', 'delivered'],
    ]);
    expect(stub.all('DiagnosticReport')).to.have.length(1);
    const comms = stub.all('Communication') as unknown as Communication[];
    expect(comms.map((c) => c.recipient![0]!.display)).to.deep.equal(['Neuroradiology on call', 'Radiology head of department']);
    expect(comms[1]!.payload![0]!.contentString).to.include('Escalation level 1');
    expect(stub.transactions().flatMap((t) => t.problems)).to.deep.equal([]);
    expect(
      h.index.changes
        .list(0, 100)
        .changes.filter((c) => c.resourceId === alertId)
        .map((c) => c.type),
    ).to.deep.equal(['alert-created', 'alert-delivered', 'alert-escalated', 'alert-delivered']);
  });

  it('a server that is down leaves the delivery pending with its reason', async () => {
    await setup();
    const base = stub.baseUrl;
    await stub.stop();
    await h.dispose();
    h = alertsHarness({
      destinations: [{ id: 'ehr', type: 'fhir', baseUrl: base, team: { display: 'x' } }],
      delivery: { backoff: { initialMs: 10, maxMs: 40 } },
    });
    await h.part.start();
    raise('down');
    const [d] = await eventually(() => (deliveries()[0]?.lastErrorCode ? deliveries() : undefined), 'a failed attempt');
    expect(d).to.include({ state: 'pending', lastErrorCode: 'ALERT_HTTP_UNREACHABLE' });
    expect(d!.lastError).to.match(/^cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
  });
});
