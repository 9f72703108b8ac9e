import { expect } from 'chai';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { makeFinding, seedStudy, type SeededStudy } from '../../helpers/findings.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { WebhookReceiver } from '../../helpers/webhook-receiver.js';

/**
 * "Mark read" while the study's critical alert is open: refused with a 409 naming the alert,
 * unless the request acknowledges it with the reading; a refused request changes nothing.
 */
describe('api/routes/worklist: a study is not marked read over an open critical alert', () => {
  let node: TestNode;
  let hook: WebhookReceiver;
  let radiologist: ApiClient;
  let other: ApiClient;

  before(async () => {
    hook = new WebhookReceiver();
    node = await startTestNode({ alerts: { destinations: [{ id: 'team', type: 'webhook', url: await hook.start(), secret: 'shh', when: {} }] } });
    radiologist = await apiAs(node, 'radiologist');
    other = await apiAs({ app: node.app, tokenFor: async () => (await node.tokens.create('dr-other', 'radiologist', 'test')).token }, 'radiologist');
  });
  after(async () => {
    await node?.dispose();
    await hook?.stop();
  });

  /** A study with a critical positive finding, hence an open critical alert; returns both. */
  function criticalStudy(seed: string): { study: SeededStudy; alertId: string } {
    const study = seedStudy(node.index, seed);
    node.triage.findings.record(makeFinding(study), null, () => true);
    const [alert] = node.alerts.alerts.list({ studyId: study.studyId, limit: 5 });
    expect(alert, 'the finding raised an alert').to.include({ state: 'open', critical: true });
    return { study, alertId: alert!.id };
  }

  const readingOf = async (studyId: string) => (await radiologist.get(`/worklist/${studyId}`).expect(200)).body.status as string;
  const alertState = (id: string) => node.alerts.alerts.get(id)!.state;
  const changesOf = (id: string) =>
    node.index.changes
      .list(0, 1000)
      .changes.filter((c) => c.resourceId === id)
      .map((c) => c.type);

  it('refuses with 409 ALERT_UNACKNOWLEDGED naming the alert, and changes nothing', async () => {
    const { study, alertId } = criticalStudy('gate-refused');
    const res = await radiologist.post(`/worklist/${study.studyId}/read`).send({}).expect(409);
    expect(res.type).to.equal('application/problem+json');
    expect(res.body).to.include({ code: 'ALERT_UNACKNOWLEDGED', status: 409, title: 'A critical alert of the study is not acknowledged' });
    expect(res.body.detail).to.equal(
      `the study's critical alert ${alertId} (Hemorrhage, stroke 1.0.0) is not acknowledged: acknowledge it first, or name it in acknowledgeAlerts to acknowledge with the reading`,
    );
    expect(res.body.alerts).to.have.length(1);
    expect(res.body.alerts[0]).to.include({ id: alertId, critical: true, concept: 'Hemorrhage', probability: 0.93 });
    expect(res.body.alerts[0].model).to.deep.equal({ id: 'stroke', version: '1.0.0' });
    expect(res.text, 'no patient data in the problem').not.to.match(/DOE|PID-|ACC-/);
    expect(await readingOf(study.studyId)).to.equal('unread');
    expect(alertState(alertId)).to.equal('open');
    expect(changesOf(study.studyId)).not.to.include('worklist-read');
  });

  it('marks read and acknowledges the named alert in one step', async () => {
    const { study, alertId } = criticalStudy('gate-together');
    const res = await radiologist
      .post(`/worklist/${study.studyId}/read`)
      .send({ acknowledgeAlerts: [alertId] })
      .expect(200);
    expect(res.body).to.include({ status: 'read', readBy: 'test-radiologist' });
    const alert = node.alerts.alerts.get(alertId)!;
    expect([alert.state, alert.acknowledgedBy, alert.acknowledgementNote]).to.deep.equal([
      'acknowledged',
      'test-radiologist',
      'acknowledged when the study was marked read',
    ]);
    expect(changesOf(study.studyId)).to.include('worklist-read');
    expect(changesOf(alertId)).to.include('alert-acknowledged');
  });

  it('marks read once the alert was acknowledged on its own', async () => {
    const { study, alertId } = criticalStudy('gate-acked');
    await radiologist.post(`/alerts/${alertId}/acknowledge`).send({}).expect(200);
    await radiologist.post(`/worklist/${study.studyId}/read`).send({}).expect(200);
    expect(await readingOf(study.studyId)).to.equal('read');
  });

  it('a study without a critical alert is marked read as before', async () => {
    const plain = seedStudy(node.index, 'gate-plain');
    await radiologist.post(`/worklist/${plain.studyId}/read`).send({}).expect(200);
    const negative = seedStudy(node.index, 'gate-negative');
    node.triage.findings.record(makeFinding(negative, { positive: false, critical: false, priority: 'routine', probability: 0.02 }), null, () => true);
    await radiologist.post(`/worklist/${negative.studyId}/read`).send({}).expect(200);
  });

  it('bad acknowledgeAlerts, or an alert of another study, is a 400 that changes nothing', async () => {
    const { study, alertId } = criticalStudy('gate-bad');
    const elsewhere = criticalStudy('gate-elsewhere');
    for (const body of [{ acknowledgeAlerts: alertId }, { acknowledgeAlerts: [42] }, { acknowledgeAlerts: ['../x'] }]) {
      const res = await radiologist.post(`/worklist/${study.studyId}/read`).send(body).expect(400);
      expect(res.body.detail).to.equal('acknowledgeAlerts must be a list of at most 20 alert ids');
    }
    const foreign = await radiologist
      .post(`/worklist/${study.studyId}/read`)
      .send({ acknowledgeAlerts: [alertId, elsewhere.alertId] })
      .expect(400);
    expect(foreign.body.detail).to.equal(`alert ${elsewhere.alertId} is not an alert of this study`);
    expect([alertState(alertId), alertState(elsewhere.alertId)]).to.deep.equal(['open', 'open']);
    expect(await readingOf(study.studyId)).to.equal('unread');
  });

  it('a study someone else is reading stays theirs: the alert is not acknowledged either', async () => {
    const { study, alertId } = criticalStudy('gate-claimed');
    await other.post(`/worklist/${study.studyId}/claim`).send({}).expect(200);
    const res = await radiologist
      .post(`/worklist/${study.studyId}/read`)
      .send({ acknowledgeAlerts: [alertId] })
      .expect(409);
    expect(res.body).to.include({ code: 'CONFLICT', detail: 'the study is being read by dr-other' });
    expect(alertState(alertId)).to.equal('open');
  });
});
