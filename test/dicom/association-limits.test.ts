import { expect } from 'chai';
import type { VigilConfigInput } from '../../src/config/schema.js';
import { encodeCommand, NO_DATA_SET, CommandField } from '../../src/dicom/net/command-set.js';
import { commandPdu } from '../../src/dicom/net/pdata-tf.js';
import { requireTool } from '../helpers/tools.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { echoscu } from '../helpers/dcmtk.js';
import { eventually } from '../helpers/eventually.js';
import { associateRequestPdu, holdConnection, rejectFields, type HeldConnection } from '../helpers/raw-association.js';
import { apiAs } from '../helpers/api.js';
import dimse from '../../src/dicom/net/dimse.js';

const A_ASSOCIATE_AC = 0x02;
const A_ABORT = 0x07;
/** A-ASSOCIATE-RJ for any association limit: transient, from the provider (presentation), local limit exceeded. */
const LIMIT_REACHED = {
  result: dimse.constants.RejectResult.Transient,
  source: dimse.constants.RejectSource.ServiceProviderPresentation,
  reason: dimse.constants.RejectReason.LocalLimitExceeded,
};
/** Long enough that no timer frees a slot while a test fills them: the limits alone are under test. */
const PATIENT_TIMERS = { associationMs: 120_000, firstMessageMs: 120_000, pduMs: 120_000, connectMs: 120_000 };

/** A C-ECHO request on presentation context 1, as one P-DATA-TF PDU. */
function echoRequest(messageId: number): Buffer {
  return commandPdu(
    1,
    encodeCommand({
      CommandField: CommandField.CEchoRequest,
      MessageID: messageId,
      CommandDataSetType: NO_DATA_SET,
      AffectedSOPClassUID: '1.2.840.10008.1.1',
    })!,
  );
}

/** One sample of the node's /metrics (Prometheus text), 0 when absent. */
async function metric(node: TestNode, name: string, labels: string): Promise<number> {
  const text = (await (await apiAs(node, 'service')).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** The next bytes the node sends on a held connection. */
function nextAnswer(held: HeldConnection): Promise<Buffer> {
  return new Promise((resolve) => held.socket.once('data', (d: Buffer) => resolve(d)));
}

describe('dicom/association limits: one peer cannot lock out the scanners', function () {
  this.timeout(30_000);
  let node: TestNode | undefined;
  const held: HeldConnection[] = [];

  async function start(dicom: VigilConfigInput['dicom']): Promise<TestNode> {
    node = await startTestNode({ dicom: { ...dicom, timeouts: { ...PATIENT_TIMERS, ...dicom?.timeouts } } });
    return node;
  }

  async function hold(localAddress: string, opts: Parameters<typeof holdConnection>[2] = {}): Promise<HeldConnection> {
    const connection = await holdConnection(node!.dicom.port, localAddress, opts);
    held.push(connection);
    return connection;
  }

  afterEach(async () => {
    for (const connection of held.splice(0)) connection.socket.destroy();
    await node?.dispose();
    node = undefined;
  });

  it('with the default limits, silent associations from many addresses leave a configured modality its reserved slots', async function () {
    requireTool(this, 'echoscu', 'dcmtk');
    const n = await start({ modalities: [{ aeTitle: 'CT1', host: '127.0.0.1' }] });
    // 32 slots, 4 kept for modalities, 8 per address and per AE title: four peers of seven take all the rest.
    for (const peer of [2, 3, 4, 5]) {
      for (let i = 0; i < 7; i++) expect((await hold(`127.0.0.${peer}`, { callingAe: `SILENT${peer}` })).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    }
    expect(n.dicom.activeAssociations).to.equal(28);
    // And raw TCP connections that never ask, from yet another address: eight wait, the rest are closed unread.
    const raw = await Promise.all(Array.from({ length: 12 }, () => hold('127.0.0.8', { associate: false })));
    await eventually(() => raw.filter((r) => r.socket.destroyed).length === 4, 'the surplus raw connections closed');

    const stranger = await hold('127.0.0.6');
    expect(rejectFields(stranger.answer)).to.deep.equal(LIMIT_REACHED);
    const unknownEcho = await echoscu(n.dicom.port, { callingAe: 'ECHOSCU' });
    expect(unknownEcho.code).to.not.equal(0);
    expect(unknownEcho.stdout + unknownEcho.stderr).to.match(/Rejected Transient[\s\S]*Local Limit Exceeded/i);

    const modality = await echoscu(n.dicom.port, { callingAe: 'CT1' });
    expect(modality.code, modality.stdout + modality.stderr).to.equal(0);
    expect(n.logs.text()).to.match(/reserved-for-modalities/);

    // A slot given back is open to anyone again.
    held[0]!.socket.destroy();
    await eventually(() => n.dicom.activeAssociations === 27, 'the slot freed');
    expect((await hold('127.0.0.6')).answer?.[0]).to.equal(A_ASSOCIATE_AC);
  });

  it('caps the associations of one address (transient, local limit exceeded), and serves other addresses', async () => {
    const n = await start({ maxAssociationsPerAddress: 2 });
    expect((await hold('127.0.0.2')).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    expect((await hold('127.0.0.2')).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    const third = await hold('127.0.0.2');
    expect(rejectFields(third.answer)).to.deep.equal(LIMIT_REACHED);
    expect((await hold('127.0.0.3')).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    expect(n.logs.text()).to.match(/address-limit-exceeded/);
    expect(await metric(n, 'vigil_dicom_associations_rejected_total', '{reason="address-limit-exceeded"}')).to.equal(1);
    expect(n.dicom.activeAssociations).to.equal(3);
  });

  it('caps the associations of one calling AE title, wherever they come from', async () => {
    const n = await start({ maxAssociationsPerAeTitle: 2 });
    expect((await hold('127.0.0.2', { callingAe: 'SAME' })).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    expect((await hold('127.0.0.3', { callingAe: 'SAME' })).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    expect(rejectFields((await hold('127.0.0.4', { callingAe: 'SAME' })).answer)).to.deep.equal(LIMIT_REACHED);
    expect((await hold('127.0.0.4', { callingAe: 'OTHER' })).answer?.[0]).to.equal(A_ASSOCIATE_AC);
    expect(n.logs.text()).to.match(/ae-title-limit-exceeded/);
  });

  it('closes unread the connections of one address past the cap while they wait to associate; those kept are served', async () => {
    const n = await start({ maxAssociationsPerAddress: 2 });
    const waiting = [await hold('127.0.0.7', { associate: false }), await hold('127.0.0.7', { associate: false })];
    const surplus = await hold('127.0.0.7', { associate: false });
    expect((await surplus.closed).length).to.equal(0);
    // The two within the cap are still open (the association timer is two minutes here) and get their answer.
    for (const connection of waiting) {
      expect(connection.socket.destroyed).to.equal(false);
      const answer = nextAnswer(connection);
      connection.socket.write(associateRequestPdu('VIGIL', 'LATE', [{ id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'] }]));
      expect((await answer)[0]).to.equal(A_ASSOCIATE_AC);
    }
    expect(await metric(n, 'vigil_dicom_connections_cut_total', '{reason="waiting-limit"}')).to.equal(1);
    expect(await metric(n, 'vigil_dicom_associations_rejected_total', '{reason="address-limit-exceeded"}')).to.equal(0);
  });
});

describe('dicom/association timers: a silent association gives its slot back', function () {
  this.timeout(30_000);
  let node: TestNode | undefined;
  let connection: HeldConnection | undefined;
  afterEach(async () => {
    connection?.socket.destroy();
    await node?.dispose();
    node = undefined;
  });

  it('aborts an association accepted and then left silent (timeouts.firstMessageMs), freeing its slot', async () => {
    node = await startTestNode({ dicom: { timeouts: { firstMessageMs: 1000 } } });
    connection = await holdConnection(node.dicom.port, '127.0.0.2');
    expect(connection.answer?.[0]).to.equal(A_ASSOCIATE_AC);
    const after = (await connection.closed).subarray(connection.answer!.length);
    // A-ABORT (PS3.8 9.3.8) from the service provider, reason not specified.
    expect([...after]).to.deep.equal([A_ABORT, 0, 0, 0, 0, 4, 0, 0, 2, 0]);
    await eventually(() => node!.dicom.activeAssociations === 0, 'the slot freed');
    expect(node.logs.text()).to.match(/association aborted: silent.*awaiting-first-message/);
    expect(await metric(node, 'vigil_dicom_connections_cut_total', '{reason="awaiting-first-message"}')).to.equal(1);
  });

  it('once the SCU has spoken, waits the longer idle timer (timeouts.pduMs): a pause past firstMessageMs is kept', async () => {
    node = await startTestNode({ dicom: { timeouts: { firstMessageMs: 1000, pduMs: 3000, connectMs: 6000 } } });
    connection = await holdConnection(node.dicom.port, '127.0.0.2');
    let answer = nextAnswer(connection);
    connection.socket.write(echoRequest(1));
    expect((await answer)[0]).to.equal(0x04); // the C-ECHO response, in a P-DATA-TF
    // A pause a slow scanner might take between two instances: longer than firstMessageMs.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    answer = nextAnswer(connection);
    connection.socket.write(echoRequest(2));
    expect((await answer)[0]).to.equal(0x04);
    // Then silence: the idle timer aborts it.
    await connection.closed;
    expect(node.logs.text()).to.match(/association aborted: silent.*"idle"/);
    expect(node.logs.text()).to.not.match(/awaiting-first-message/);
  });

  it('closes a connection that keeps silent after its association was refused', async () => {
    node = await startTestNode({ dicom: { timeouts: { associationMs: 1000 } } });
    connection = await holdConnection(node.dicom.port, '127.0.0.2', { calledAe: 'NOT-VIGIL' });
    expect(connection.answer?.[0]).to.equal(0x03);
    await connection.closed;
    expect(node.logs.text()).to.match(/connection closed: timed out.*closing/);
  });
});
