import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { Delivery } from '../../../src/alerts/model.js';
import { parseMessage } from '../../../src/hl7/parse.js';
import { alertsHarness, type AlertsConfigInput, type AlertsHarness } from '../../helpers/alerts-harness.js';
import { makeFinding, seedStudy, type StudyPatient } from '../../helpers/findings.js';
import { eventually } from '../../helpers/eventually.js';
import { MllpPeer } from '../../helpers/mllp-peer.js';
import { hasPythonHl7, parseWithPythonHl7, requirePythonHl7, valuesOf } from '../../helpers/python-hl7.js';

const TLS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/tls');
const TRICKY: StudyPatient = { patientName: 'O|BRIEN~X&Y\\Z^JOHN^^DR^JR', patientId: 'P^1|2', accessionNumber: 'ACC&7' };

describe('alerts/channels/hl7: ORU^R01 and order updates to a real MLLP peer', function () {
  this.timeout(30_000);
  let peer: MllpPeer;
  let h: AlertsHarness;

  async function setup(dest: Record<string, unknown> = {}, extra: AlertsConfigInput = {}, tlsPeer = false): Promise<void> {
    peer = new MllpPeer(
      tlsPeer ? { cert: fs.readFileSync(path.join(TLS_DIR, 'peer-cert.pem')), key: fs.readFileSync(path.join(TLS_DIR, 'peer-key.pem')) } : undefined,
    );
    await peer.start();
    h = alertsHarness({
      destinations: [
        {
          id: 'ris',
          type: 'hl7v2',
          host: '127.0.0.1',
          port: peer.port,
          receivingApplication: 'RIS',
          receivingFacility: 'HOSP',
          sendingFacility: 'RAD',
          responseTimeoutMs: 300,
          ...dest,
        } as never,
      ],
      delivery: { backoff: { initialMs: 10, maxMs: 40 }, breaker: { failureThreshold: 3, cooldownMs: 50 } },
      ...extra,
    });
    await h.part.start();
  }
  afterEach(async () => {
    await h?.dispose();
    await peer?.stop();
    // Every message any test here sent must mean the same to python3-hl7 (the explicit tests
    // above skip, or fail under CI, when it is missing).
    if (hasPythonHl7() && peer.received.length > 0) {
      const theirs = parseWithPythonHl7(peer.received.map((r) => r.text));
      peer.received.forEach((r, i) => expect(theirs[i], `message ${i + 1} (${r.msg.type})`).to.deep.equal(valuesOf(r.msg)));
    }
  });

  function raise(seed: string, patient: StudyPatient = {}, overrides = {}): string {
    const r = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, seed, patient), overrides));
    if (r.outcome !== 'created') throw new Error('not created');
    return r.alert.id;
  }
  const deliveries = (): Delivery[] => h.part.deliveries.list({ limit: 100 });
  const settled = (what = 'every delivery settled') => eventually(() => deliveries().every((d) => d.state !== 'pending') && deliveries(), what);

  it('sends ORU^R01 then OMI^O23 with patient, order, finding and notice, escaped, and python3-hl7 reads them the same', async function () {
    await setup();
    const alertId = raise('oru', TRICKY);
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', stepsDone: 2, attempts: 1 });
    expect(peer.received.map((r) => r.msg.type)).to.deep.equal(['ORU^R01', 'OMI^O23']);
    expect(peer.accepted).to.deep.equal([`${d!.idempotencyKey}-1`, `${d!.idempotencyKey}-2`]);

    const oru = peer.received[0]!.msg;
    expect([oru.get('MSH', 3), oru.get('MSH', 5), oru.get('MSH', 6), oru.get('MSH', 12), oru.get('MSH', 18)]).to.deep.equal([
      'VIGIL',
      'RIS',
      'HOSP',
      '2.5.1',
      'UNICODE UTF-8',
    ]);
    expect(oru.get('PID', 3)).to.equal('P^1|2');
    expect([oru.get('PID', 5, 1), oru.get('PID', 5, 2), oru.get('PID', 5, 4), oru.get('PID', 5, 5)]).to.deep.equal(['O|BRIEN~X&Y\\Z', 'JOHN', 'JR', 'DR']);
    expect([oru.get('PID', 7), oru.get('PID', 8)]).to.deep.equal(['19700101', 'F']);
    expect([oru.get('OBR', 3), oru.get('OBR', 18), oru.get('OBR', 25)]).to.deep.equal([alertId, 'ACC&7', 'P']);
    const [obx1, obx2] = oru.all('OBX');
    expect(obx1!.fields[3]![0]).to.deep.equal([['50960005'], ['Hemorrhage'], ['SCT']]);
    expect([obx1!.fields[2]![0]![0]![0], obx1!.fields[5]![0]![0]![0], obx1!.fields[8]![0]![0]![0], obx1!.fields[11]![0]![0]![0]]).to.deep.equal([
      'NM',
      '0.93',
      'AA',
      'F',
    ]);
    expect(obx2!.fields[5]![0]![0]![0]).to.equal(h.part.alerts.get(alertId)!.studyInstanceUid);
    expect(oru.get('NTE', 3)).to.match(/^AI triage result, not a diagnosis: .*demonstrator/);

    const omi = peer.received[1]!.msg;
    expect([omi.get('ORC', 1), omi.get('ORC', 3), omi.get('TQ1', 9), omi.get('OBR', 27, 6), omi.get('IPC', 1)]).to.deep.equal([
      'XO',
      'ACC&7',
      'S',
      'S',
      'ACC&7',
    ]);

    requirePythonHl7(this);
    const theirs = parseWithPythonHl7(peer.received.map((r) => r.text));
    peer.received.forEach((r, i) => expect(theirs[i], r.msg.type).to.deep.equal(valuesOf(r.msg)));
  });

  it('sends ORM^O01 when configured, and no order update without an accession or for routine priority', async function () {
    await setup({ orderUpdate: 'ORM^O01', when: { criticalOnly: false } });
    raise('orm');
    raise('no-acc', { accessionNumber: '' }, { accessionNumber: null });
    raise('routine', {}, { critical: false, priority: 'routine' });
    await settled();
    expect(peer.received.map((r) => r.msg.type)).to.deep.equal(['ORU^R01', 'ORM^O01', 'ORU^R01', 'ORU^R01']);
    const orm = peer.received[1]!.msg;
    expect([orm.get('ORC', 1), orm.get('ORC', 7, 6), orm.get('OBR', 27, 6)]).to.deep.equal(['XO', 'S', 'S']);
    expect(peer.received[3]!.msg.all('OBX')[0]!.fields[8]![0]![0]![0]).to.equal('A');
    requirePythonHl7(this);
    const theirs = parseWithPythonHl7(peer.received.map((r) => r.text));
    peer.received.forEach((r, i) => expect(theirs[i]).to.deep.equal(valuesOf(r.msg)));
  });

  it('says in an NTE when the finding was made on part of its series', async () => {
    await setup({ orderUpdate: 'none' });
    raise('partial', {}, { incompleteSeries: { images: 180, announced: 240 } });
    raise('whole');
    await settled();
    const notes = peer.received.map((r) => r.msg.all('NTE').map((n) => n.fields[3]![0]![0]![0]));
    expect(notes[0]).to.have.length(3);
    expect(notes[0]![2]).to.equal('Made on an incomplete series: 180 of the 240 images its count tags announce had arrived when the model ran.');
    expect(notes[1], 'a complete series: no such note').to.have.length(2);
  });

  it('a changed result and a withdrawal go as corrected results (status C) under the first alert’s filler order number', async function () {
    await setup({ when: { criticalOnly: false } });
    const study = seedStudy(h.index, 'corrected');
    const first = h.part.outbox.enqueueForFinding(makeFinding(study, { critical: false, priority: 'urgent', probability: 0.7 }));
    await settled();
    const changed = h.part.outbox.enqueueForFinding(makeFinding(study, { probability: 0.93 }));
    await settled();
    const withdrawn = h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.04 }));
    await settled();
    if (first.outcome !== 'created' || changed.outcome !== 'created' || withdrawn.outcome !== 'withdrawn') throw new Error('unexpected outcomes');
    const orus = peer.received.filter((r) => r.msg.type === 'ORU^R01').map((r) => r.msg);
    expect(orus.map((m) => m.get('OBR', 25))).to.deep.equal(['P', 'C', 'C']);
    const [, correction, withdrawal] = orus;
    const obx = (m: typeof correction) => m!.all('OBX')[0]!.fields;
    expect([correction!.get('OBR', 3), correction!.get('OBR', 25), obx(correction)[8]![0]![0]![0], obx(correction)[11]![0]![0]![0]]).to.deep.equal([
      first.alert.id,
      'C',
      'AA',
      'C',
    ]);
    expect(correction!.all('NTE').map((n) => n.fields[3]![0]![0]![0])).to.include(
      'Corrected: a later run of the model on this study changed this result; this replaces the earlier one.',
    );
    expect([
      withdrawal!.get('OBR', 3),
      withdrawal!.get('OBR', 25),
      obx(withdrawal)[5]![0]![0]![0],
      obx(withdrawal)[8]![0]![0]![0],
      obx(withdrawal)[11]![0]![0]![0],
    ]).to.deep.equal([first.alert.id, 'C', '0.04', 'N', 'C']);
    expect(withdrawal!.all('OBX')[1]!.fields[11]![0]![0]![0]).to.equal('C');
    const notes = withdrawal!.all('NTE').map((n) => n.fields[3]![0]![0]![0]);
    expect(notes[1]).to.match(
      /^Withdrawn: model stroke 1\.0\.0, run again on a later version of the series, no longer finds Hemorrhage \(probability 4\.0%, below the threshold of 62\.0%\)/,
    );
    expect(notes.join(' ')).not.to.include('possible Hemorrhage');
    // A withdrawal is a result message only: no order update follows it.
    expect(peer.received.at(-1)!.msg.type).to.equal('ORU^R01');
    requirePythonHl7(this);
  });

  it('a destination that hangs up for a while: every alert arrives, in order, none accepted twice', async () => {
    await setup();
    peer.then('hang-up', 'hang-up', 'hang-up', 'hang-up', 'hang-up', 'hang-up');
    const ids = ['d1', 'd2', 'd3', 'd4'].map((s) => raise(s, {}, { priority: 'urgent', critical: true }));
    const all = await settled();
    expect(all.map((d) => d.state)).to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(all[0]!.attempts).to.be.greaterThan(1);
    const expected = all.flatMap((d) => [`${d.idempotencyKey}-1`, `${d.idempotencyKey}-2`]);
    expect(peer.accepted).to.deep.equal(expected);
    expect(all.map((d) => d.alertId)).to.deep.equal(ids);
  });

  it('retries AE 207 and AR 206, dead-letters AR 200 and AE 101, treats ERR-3 205 as already delivered', async () => {
    await setup({ orderUpdate: 'none' });
    peer.then({ code: 'AE', errorCode: '207', text: 'internal error' }, 'AA');
    peer.then({ code: 'AR', errorCode: '206' }, 'AA');
    peer.then({ code: 'AR', errorCode: '200', text: 'unsupported message type' });
    peer.then({ code: 'AE', errorCode: '101', text: 'PID-3 required' });
    peer.then({ code: 'AE', errorCode: '205', text: 'duplicate' });
    ['n1', 'n2', 'n3', 'n4', 'n5'].forEach((s) => raise(s));
    const all = await settled();
    expect(all.map((d) => [d.state, d.attempts, d.lastErrorCode])).to.deep.equal([
      ['delivered', 2, null],
      ['delivered', 2, null],
      ['dead', 1, 'ALERT_NACK_REJECT'],
      ['dead', 1, 'ALERT_NACK_REJECT'],
      ['delivered', 1, null],
    ]);
    expect(all[2]!.closedReason).to.equal('peer answered AR with error code 200');
    expect(all[2]!.lastPeerText).to.equal('unsupported message type');
    expect(all[4]!.closedReason).to.match(/already had this message/);
  });

  it('retries after a malformed ACK and a silent peer, with the same control id, ignoring duplicate ACKs', async () => {
    await setup({ orderUpdate: 'none' });
    peer.then('malformed', 'silent', 'duplicate', 'duplicate', 'AA');
    raise('m1');
    raise('m2');
    const all = await settled();
    expect(all.map((d) => [d.state, d.attempts])).to.deep.equal([
      ['delivered', 3],
      ['delivered', 1],
    ]);
    expect(peer.received.map((r) => r.msg.controlId)).to.deep.equal([
      `${all[0]!.idempotencyKey}-1`,
      `${all[0]!.idempotencyKey}-1`,
      `${all[0]!.idempotencyKey}-1`,
      `${all[1]!.idempotencyKey}-1`,
    ]);
    const changes = h.index.changes.list(0, 100).changes.filter((c) => c.type === 'alert-delivered');
    expect(changes).to.have.length(2);
    expect(h.logs.text()).to.include('ALERT_ACK_MALFORMED').and.include('MLLP_TIMEOUT');
  });

  it('resumes at the order update when only it failed: the result is not sent twice', async () => {
    await setup();
    peer.then('AA', { code: 'AE', errorCode: '207' }, 'AA');
    raise('steps');
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', stepsDone: 2, attempts: 2 });
    expect(peer.received.map((r) => r.msg.type)).to.deep.equal(['ORU^R01', 'OMI^O23', 'OMI^O23']);
  });

  it('an untrusted TLS certificate leaves the delivery pending with MLLP_TLS_FAILED; a trusted one delivers', async () => {
    await setup({ tls: {} }, {}, true);
    raise('tls');
    const [pending] = await eventually(() => {
      const now = deliveries();
      return now[0]?.lastErrorCode ? now : undefined;
    }, 'a failed attempt');
    expect(pending).to.include({ state: 'pending', lastErrorCode: 'MLLP_TLS_FAILED' });
    await h.dispose();
    h = alertsHarness(
      {
        destinations: [{ id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port, tls: { caFile: path.join(TLS_DIR, 'peer-cert.pem') } }],
        delivery: { backoff: { initialMs: 10, maxMs: 40 } },
      },
      {},
    );
    await h.part.start();
    raise('tls2');
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered' });
    expect(parseMessage(peer.received[0]!.text).type).to.equal('ORU^R01');
  });

  it('logs ids and codes, never the patient', async () => {
    await setup();
    peer.then('malformed', { code: 'AE', errorCode: '207', text: 'Patient O|BRIEN unknown' });
    raise('log', TRICKY);
    await settled();
    const text = h.logs.text();
    for (const secret of ['BRIEN', 'JOHN', 'P^1|2', 'ACC&7', '19700101']) expect(text, secret).not.to.include(secret);
    expect(text).to.include('alert delivered');
  });
});
