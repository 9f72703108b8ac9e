import { expect } from 'chai';
import { apiAs } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { MllpPeer } from '../helpers/mllp-peer.js';
import { FhirStub } from '../helpers/fhir-stub.js';
import { freePort, StoreScp } from '../helpers/storescp.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { requireTool } from '../helpers/tools.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('api/alerts: list, acknowledge, retry, cancel, destinations, metrics', function () {
  this.timeout(30_000);
  let peer: MllpPeer;
  let node: TestNode;

  beforeEach(async () => {
    peer = new MllpPeer();
    await peer.start();
    node = await startTestNode({
      alerts: {
        destinations: [{ id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port, orderUpdate: 'none' }],
        delivery: { backoff: { initialMs: 10, maxMs: 40 } },
      },
    });
  });
  afterEach(async () => {
    await node.dispose();
    await peer.stop();
  });

  /** A finding as triage stores it (the outbox takes it in the same transaction). */
  function announce(seed: string): string {
    const finding = makeFinding(seedStudy(node.index, seed, { patientName: 'ROE^RICHARD', patientId: 'MRN-77' }));
    node.triage.findings.record(finding, null, () => true);
    return finding.id;
  }

  it('raises an alert from a finding, delivers it and lets a radiologist acknowledge it once', async () => {
    const findingId = announce('a1');
    const rad = await apiAs(node, 'radiologist');
    const alert = await eventually(() => node.alerts.alerts.list({ limit: 1 })[0], 'an alert');
    await eventually(() => node.alerts.deliveries.ofAlert(alert.id)[0]?.state === 'delivered', 'delivered');

    const list = await rad.get('/alerts?state=open&critical=true').expect(200);
    expect(list.body).to.have.length(1);
    expect(list.body[0]).to.include({ id: alert.id, findingId, state: 'open', critical: true, priority: 'stat' });
    expect(list.body[0].timeToNotificationMs).to.be.a('number');
    expect(list.body[0].deliveries[0]).to.include({ destination: 'ris', channel: 'hl7v2', state: 'delivered', attempts: 1 });

    const ack = await rad.post(`/alerts/${alert.id}/acknowledge`).send({ note: 'called the stroke team' }).expect(200);
    expect(ack.body.acknowledged).to.include({ by: 'test-radiologist', note: 'called the stroke team' });
    const again = await rad.post(`/alerts/${alert.id}/acknowledge`).send({}).expect(409);
    expect(again.body.code).to.equal('CONFLICT');

    const audited = node.audit.list({ since: 0, limit: 100 }).entries.filter((r) => r.route === '/alerts/:alertId/acknowledge');
    expect(audited.map((r) => [r.tokenName, r.status])).to.deep.equal([
      ['test-radiologist', 200],
      ['test-radiologist', 409],
    ]);
    const changes = await (await apiAs(node, 'it')).get('/changes?limit=1000').expect(200);
    const mine = (changes.body.Changes as { ChangeType: string; ResourceType: string; ID: string; Path?: string }[]).filter((c) => c.ID === alert.id);
    expect(mine.map((c) => c.ChangeType)).to.deep.equal(['AlertCreated', 'AlertDelivered', 'AlertAcknowledged']);
    expect(mine[0]).to.include({ ResourceType: 'Alert', Path: `/alerts/${alert.id}` });
  });

  it('shows IT the dead letters without patient data, and retries or cancels them', async () => {
    peer.then({ code: 'AR', errorCode: '200', text: 'unknown patient ROE' });
    announce('a2');
    const alert = await eventually(() => node.alerts.alerts.list({ limit: 1 })[0], 'an alert');
    await eventually(() => node.alerts.deliveries.ofAlert(alert.id)[0]?.state === 'dead', 'dead-lettered');
    const it = await apiAs(node, 'it');
    const dead = await it.get('/alerts/deliveries?state=dead').expect(200);
    expect(dead.body).to.have.length(1);
    expect(dead.body[0]).to.include({ alertId: alert.id, state: 'dead', lastErrorCode: 'ALERT_NACK_REJECT' });
    expect(JSON.stringify(dead.body)).not.to.include('ROE').and.not.to.include('MRN-77');
    await it.get('/alerts').expect(403);
    const detail = await (await apiAs(node, 'radiologist')).get(`/alerts/${alert.id}`).expect(200);
    expect(detail.body.deliveries[0].lastPeerText).to.equal('unknown patient ROE');

    expect((await it.post(`/alerts/${alert.id}/retry`).expect(200)).body).to.deep.equal({ retried: 1 });
    await eventually(() => node.alerts.deliveries.ofAlert(alert.id)[0]?.state === 'delivered', 'delivered after retry');
    expect((await it.post(`/alerts/${alert.id}/cancel`).expect(200)).body).to.deep.equal({ cancelled: 0 });
    await it.post('/alerts/not-a-uuid/retry').expect(400);
    await it.post('/alerts/00000000-0000-4000-8000-000000000000/retry').expect(404);
  });

  it('lets IT manage destinations over the API: validated, secrets masked, config ones read-only', async () => {
    const it = await apiAs(node, 'it');
    const hook = { id: 'chat', type: 'webhook', url: 'https://chat.example.org/hook', secret: 'very-secret', when: { criticalOnly: false } };
    const created = await it.post('/alerts/destinations').send(hook).expect(201);
    expect(created.body).to.include({ id: 'chat', secret: '********', includePatient: false });
    await it.post('/alerts/destinations').send(hook).expect(409);
    const bad = await it.post('/alerts/destinations').send({ id: 'x', type: 'webhook', url: 'ftp://nope' }).expect(400);
    expect(bad.body.problems.map((p: { path: string }) => p.path)).to.include.members(['url', 'secret']);
    await it.put('/alerts/destinations/ris').send({ id: 'ris', type: 'webhook', url: 'https://x.org/', secret: 's' }).expect(409);
    await it
      .put('/alerts/destinations/chat')
      .send({ ...hook, id: 'other' })
      .expect(400);
    await it
      .put('/alerts/destinations/chat')
      .send({ ...hook, secret: { env: 'CHAT_SECRET' } })
      .expect(200);

    const list = await it.get('/alerts/destinations').expect(200);
    expect(list.body.map((d: { id: string; source: string }) => [d.id, d.source])).to.deep.equal([
      ['ris', 'config'],
      ['chat', 'api'],
    ]);
    expect(list.body[1].secret).to.deep.equal({ env: 'CHAT_SECRET' });
    expect(list.body[0].status).to.include({ breaker: 'closed' });
    expect(JSON.stringify(list.body)).not.to.include('very-secret');

    await it.delete('/alerts/destinations/ris').expect(409);
    await it.delete('/alerts/destinations/chat').expect(204);
    await it.delete('/alerts/destinations/chat').expect(404);
    expect(node.audit.list({ since: 0, limit: 100 }).entries.filter((r) => r.route.startsWith('/alerts/destinations') && r.method !== 'GET').length).to.equal(
      9,
    );
  });

  it('a later negative on the series withdraws the alert: listed as withdrawn under its result id, not acknowledgeable, counted', async () => {
    const study = seedStudy(node.index, 'w1', { patientName: 'ROE^RICHARD', patientId: 'MRN-77' });
    node.triage.findings.record(makeFinding(study), null, () => true);
    const alert = await eventually(() => node.alerts.alerts.list({ limit: 1 })[0], 'an alert');
    await eventually(() => node.alerts.deliveries.ofAlert(alert.id)[0]?.state === 'delivered', 'delivered');
    node.triage.findings.record(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.02 }), null, () => true);
    await eventually(() => node.alerts.deliveries.ofAlert(alert.id).at(-1)?.state === 'delivered', 'the withdrawal delivered');

    const rad = await apiAs(node, 'radiologist');
    const list = await rad.get('/alerts?state=withdrawn').expect(200);
    expect(list.body.map((a: { id: string }) => a.id)).to.deep.equal([alert.id]);
    expect(list.body[0]).to.include({ state: 'withdrawn', resultId: alert.id, replaces: null, supersededBy: null });
    expect(list.body[0].withdrawn).to.include({ probability: 0.02 });
    expect(list.body[0].deliveries.map((d: { kind: string; state: string }) => [d.kind, d.state])).to.deep.equal([
      ['alert', 'delivered'],
      ['withdrawal', 'delivered'],
    ]);
    expect((await rad.get('/alerts?state=open').expect(200)).body).to.deep.equal([]);
    const ack = await rad.post(`/alerts/${alert.id}/acknowledge`).send({}).expect(409);
    expect(ack.body.detail).to.equal('the alert is withdrawn, not open');
    expect(peer.received.map((r) => [r.msg.get('OBR', 3), r.msg.get('OBR', 25)])).to.deep.equal([
      [alert.id, 'P'],
      [alert.id, 'C'],
    ]);

    const changes = await (await apiAs(node, 'it')).get('/changes?limit=1000').expect(200);
    const mine = (changes.body.Changes as { ChangeType: string; ID: string }[]).filter((c) => c.ID === alert.id).map((c) => c.ChangeType);
    expect(mine).to.deep.equal(['AlertCreated', 'AlertDelivered', 'AlertWithdrawn', 'AlertDelivered']);
    const metrics = await (await apiAs(node, 'service')).get('/metrics').expect(200);
    expect(metrics.text).to.include('vigil_alerts_withdrawn_total{critical="true"} 1');
  });

  it('checks a destination of each kind without patient data; a wrong one says why, with the code a delivery would get', async function () {
    requireTool(this, 'storescp', 'dcmtk');
    const fhir = new FhirStub();
    const hook = new WebhookReceiver();
    const pacs = new StoreScp(await freePort(), 'PACS');
    await Promise.all([fhir.start(), pacs.start()]);
    const hookUrl = await hook.start();
    try {
      const it = await apiAs(node, 'it');
      const add = (dest: Record<string, unknown>) => it.post('/alerts/destinations').send(dest).expect(201);
      await add({ id: 'ehr', type: 'fhir', baseUrl: fhir.baseUrl, team: { display: 'Neuro on call' } });
      await add({ id: 'chat', type: 'webhook', url: hookUrl, secret: 'shh' });
      await add({ id: 'pacs', type: 'dicom', host: '127.0.0.1', port: pacs.port, aeTitle: 'PACS' });
      await add({ id: 'pacs-down', type: 'dicom', host: '127.0.0.1', port: await freePort(), aeTitle: 'PACS', timeoutMs: 2000 });
      const check = async (id: string) =>
        (await it.post(`/alerts/destinations/${id}/check`).expect(200)).body as { ok: boolean; code: string | null; detail: string };

      expect(await check('ris')).to.include({ ok: true, code: null, detail: `MLLP connection to 127.0.0.1:${peer.port} accepted` });
      expect(peer.received, 'no HL7 message for a check').to.deep.equal([]);
      expect(await check('ehr')).to.include({
        ok: true,
        detail: `FHIR 4.0.1 server (Vigil test FHIR stub) at ${fhir.baseUrl} answered its CapabilityStatement`,
      });
      expect(await check('chat')).to.include({ ok: true });
      expect(JSON.parse(hook.bodies[0]!)).to.include({ event: 'ping' });
      expect(await check('pacs')).to.include({ ok: true, detail: `C-ECHO from VIGIL to PACS at 127.0.0.1:${pacs.port} answered Success` });
      expect(pacs.files(), 'no object stored for a check').to.deep.equal([]);

      expect(await check('pacs-down')).to.include({ ok: false, code: 'DICOM_PEER_UNAVAILABLE' });
      fhir.fhirVersion = '3.0.2';
      expect(await check('ehr')).to.include({ ok: false, code: 'ALERT_RESPONSE_MALFORMED', detail: 'the server speaks FHIR 3.0.2, not R4 (4.0.x)' });
      await it.post('/alerts/destinations/nope/check').expect(404);
      await (await apiAs(node, 'radiologist')).post('/alerts/destinations/ris/check').expect(403);
    } finally {
      await Promise.all([fhir.stop(), hook.stop(), pacs.dispose()]);
    }
  });

  it('exports alert metrics on /metrics', async () => {
    announce('m1');
    await eventually(() => node.alerts.deliveries.list({ limit: 1 })[0]?.state === 'delivered', 'delivered');
    const res = await (await apiAs(node, 'service')).get('/metrics').expect(200);
    expect(res.text).to.match(/vigil_alert_time_to_notification_seconds_count\{destination="ris",channel="hl7v2",kind="alert"\} 1/);
    expect(res.text).to.include('vigil_alerts_created_total{critical="true"} 1');
    expect(res.text).to.include('vigil_alert_outbox_pending');
  });
});
