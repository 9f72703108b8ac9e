import { expect } from 'chai';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { makeFinding, seedStudy, type SeededStudy } from '../../helpers/findings.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { orderUpdate } from '../../worklist/orders/order-fixtures.js';

describe('api/routes/worklist: the list, roles, reading, feedback, acknowledgement', () => {
  let node: TestNode;
  let hook: WebhookReceiver;
  let radiologist: ApiClient;
  let service: ApiClient;
  let old: SeededStudy;
  let critical: SeededStudy;
  let fresh: SeededStudy;
  let findingId: string;

  before(async () => {
    hook = new WebhookReceiver();
    const url = await hook.start();
    node = await startTestNode({ alerts: { destinations: [{ id: 'team', type: 'webhook', url, secret: 'shh', when: {} }] } });
    radiologist = await apiAs(node, 'radiologist');
    service = await apiAs(node, 'service');
    const now = Date.now();
    old = seedStudy(node.index, 'old', { patientName: 'OLDEST^ANNA', receivedAt: now - 3 * 3600_000 });
    critical = seedStudy(node.index, 'crit', { patientName: 'CRITICAL^CARL', receivedAt: now - 600_000 });
    fresh = seedStudy(node.index, 'fresh', { patientName: 'FRESH^FRIDA', receivedAt: now - 60_000, modality: 'CR' });
    node.worklist.orders.record([orderUpdate({ accession: fresh.accessionNumber, priority: 'urgent' })], { messageType: 'ORM^O01', controlId: 'x', at: now });
    const finding = makeFinding(critical, { keyInstanceId: 'key-1', hasKeyImage: true });
    findingId = finding.id;
    // As triage does: the finding is committed, then announced.
    node.triage.findings.record(finding, null, () => true);
  });
  after(async () => {
    await node?.dispose();
    await hook?.stop();
  });

  it('lists STAT, then urgent, then routine, and says why each sits where it does', async () => {
    const res = await radiologist.get('/worklist').expect(200);
    expect(res.body.viewer).to.deep.equal({ name: 'test-radiologist', role: 'radiologist' });
    expect(res.body.total).to.equal(3);
    const ids = res.body.entries.map((e: { studyId: string }) => e.studyId);
    expect(ids).to.deep.equal([critical.studyId, fresh.studyId, old.studyId]);
    const [top, second, third] = res.body.entries;
    expect(top.priority).to.include({ effective: 'stat', raisedByAi: true });
    expect(top.why).to.equal('AI: critical Hemorrhage 93% (stroke 1.0.0), raised from routine');
    expect(top.reason).to.include({ findingId, probability: 0.93, keyInstanceId: 'key-1', keyImage: `/findings/${findingId}/key-image` });
    expect(top.alert).to.include({ state: 'open', critical: true });
    expect(top.patient).to.deep.equal({ name: 'CRITICAL^CARL', id: 'PID-crit' });
    expect(second.why).to.equal('Order: urgent (HL7 priority A)');
    expect(third.why).to.equal('No order or rule: routine');
    expect(third.waitingSeconds).to.be.at.least(3 * 3600 - 5);
  });

  it('a service token gets the list without patient names or ids', async () => {
    const res = await service.get('/worklist').expect(200);
    expect(res.body.entries).to.have.length(3);
    for (const e of res.body.entries) expect(e).to.include({ patient: null, patientHidden: true });
    for (const secret of ['CARL', 'ANNA', 'FRIDA', 'PID-']) expect(res.text, secret).not.to.include(secret);
    const one = await service.get(`/worklist/${critical.studyId}`).expect(200);
    expect(one.text).not.to.include('CARL');
  });

  it('filters by priority, modality, AI raise, and pages with a total', async () => {
    expect((await radiologist.get('/worklist?priority=stat,urgent').expect(200)).body.total).to.equal(2);
    expect((await radiologist.get('/worklist?modality=CR').expect(200)).body.entries[0].studyId).to.equal(fresh.studyId);
    expect((await radiologist.get('/worklist?aiRaised=true').expect(200)).body.total).to.equal(1);
    const page = (await radiologist.get('/worklist?limit=1&offset=1').expect(200)).body;
    expect(page).to.include({ total: 3, limit: 1, offset: 1 });
    expect(page.entries.map((e: { studyId: string }) => e.studyId)).to.deep.equal([fresh.studyId]);
    const bad = await radiologist.get('/worklist?priority=high').expect(400);
    expect(bad.body.code).to.equal('BAD_REQUEST');
    await radiologist.get('/worklist?sort=name').expect(400);
  });

  it("acknowledging the study's alert goes through the alerts part and shows on the entry (before it is read: see worklist-read-gate.test.ts)", async () => {
    const entry = (await radiologist.get(`/worklist/${critical.studyId}`).expect(200)).body;
    await radiologist.post(`/alerts/${entry.alert.id}/acknowledge`).send({}).expect(200);
    const after = (await radiologist.get(`/worklist/${critical.studyId}`).expect(200)).body;
    expect(after.alert).to.include({ id: entry.alert.id, state: 'acknowledged', acknowledgedBy: 'test-radiologist' });
  });

  it('claim, release, mark read: one reader at a time, each step audited and in /changes', async () => {
    const other = await apiAs({ app: node.app, tokenFor: async () => (await node.tokens.create('dr-other', 'radiologist', 'test')).token }, 'radiologist');
    const claimed = await radiologist.post(`/worklist/${critical.studyId}/claim`).send({}).expect(200);
    expect(claimed.body).to.include({ status: 'in-progress', claimedBy: 'test-radiologist' });
    await radiologist.post(`/worklist/${critical.studyId}/claim`).send({}).expect(200);
    const taken = await other.post(`/worklist/${critical.studyId}/claim`).send({}).expect(409);
    expect(taken.body.detail).to.equal('the study is being read by test-radiologist');
    await other.post(`/worklist/${critical.studyId}/release`).send({}).expect(409);
    await other.post(`/worklist/${critical.studyId}/read`).send({}).expect(409);
    expect((await radiologist.get('/worklist?mine=true').expect(200)).body.entries.map((e: { studyId: string }) => e.studyId)).to.deep.equal([
      critical.studyId,
    ]);
    await radiologist.post(`/worklist/${critical.studyId}/release`).send({}).expect(200);
    const read = await other.post(`/worklist/${critical.studyId}/read`).send({}).expect(200);
    expect(read.body).to.include({ status: 'read', readBy: 'dr-other' });
    expect((await radiologist.get('/worklist').expect(200)).body.total, 'read studies leave the list').to.equal(2);
    expect((await radiologist.get('/worklist?status=read').expect(200)).body.entries[0].studyId).to.equal(critical.studyId);
    await radiologist.post(`/worklist/${critical.studyId}/claim`).send({}).expect(409);
    await radiologist.post('/worklist/not-an-id/claim').send({}).expect(400);
    await radiologist.post('/worklist/00000000-00000000-00000000-00000000-00000000/claim').send({}).expect(404);

    const types = node.index.changes
      .list(0, 1000)
      .changes.filter((c) => c.resourceId === critical.studyId)
      .map((c) => c.type);
    expect(types).to.include.members(['priority-raised', 'worklist-claimed', 'worklist-released', 'worklist-read']);
    const audited = node.audit.list({ since: 0, limit: 500 }).entries.filter((a) => a.route.startsWith('/worklist/:studyId/'));
    expect(audited.map((a) => `${a.tokenName} ${a.route} ${a.status}`)).to.include.members([
      'test-radiologist /worklist/:studyId/claim 200',
      'dr-other /worklist/:studyId/claim 409',
      'dr-other /worklist/:studyId/read 200',
    ]);
  });

  it('takes a verdict on a finding with a comment, one per radiologist; services see the verdict, not the comment', async () => {
    await radiologist.post(`/worklist/findings/${findingId}/feedback`).send({ verdict: 'disagree', comment: 'calcified falx' }).expect(201);
    const given = await radiologist.post(`/worklist/findings/${findingId}/feedback`).send({ verdict: 'agree', comment: 'small SDH, CARL called' }).expect(201);
    expect(given.body).to.include({ findingId, by: 'test-radiologist', verdict: 'agree' });
    const detail = (await radiologist.get(`/worklist/${critical.studyId}`).expect(200)).body;
    expect(detail.reason.feedback).to.have.length(1);
    expect(detail.reason.feedback[0]).to.include({ by: 'test-radiologist', verdict: 'agree', comment: 'small SDH, CARL called' });
    const seen = (await service.get(`/worklist/${critical.studyId}`).expect(200)).body;
    expect(seen.reason.feedback[0]).to.include({ verdict: 'agree' }).and.not.have.property('comment');
    await radiologist.post(`/worklist/findings/${findingId}/feedback`).send({ verdict: 'maybe' }).expect(400);
    await radiologist.post('/worklist/findings/no-such-finding/feedback').send({ verdict: 'agree' }).expect(404);
    await service.post(`/worklist/findings/${findingId}/feedback`).send({ verdict: 'agree' }).expect(403);
  });
});
