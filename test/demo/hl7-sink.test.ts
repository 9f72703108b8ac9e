import net from 'node:net';
import { expect } from 'chai';
import { answersControlId, readAck } from '../../src/hl7/ack.js';
import { Hl7Message, mshSegment, segment } from '../../src/hl7/message.js';
import { MllpClient } from '../../src/hl7/mllp/client.js';
import { encodeFrame } from '../../src/hl7/mllp/framing.js';
import { parseMessage } from '../../src/hl7/parse.js';
import { Hl7Sink, readableHl7 } from '../../src/tools/demo/hl7-sink.js';
import { eventually } from '../helpers/eventually.js';

function oru(controlId: string, studyUid: string): string {
  return new Hl7Message([
    mshSegment({ 3: 'VIGIL', 5: 'DEMO_RIS', 7: '20260101120000', 9: ['ORU', 'R01', 'ORU_R01'], 10: controlId, 11: 'T', 12: '2.5.1' }),
    segment('PID', { 1: '1', 3: ['SYN-HCT-000042', '', '', 'HOSP', 'MR'], 5: ['SYNTHETIC', 'PHANTOM HCT 000042'], 7: '19600101', 8: 'F' }),
    segment('OBR', { 1: '1', 18: 'SYNHCT000042' }),
    segment('OBX', { 1: '1', 2: 'NM', 3: ['1386000', 'Intracranial hemorrhage', 'SCT'], 5: '0.97', 8: 'AA' }),
    segment('OBX', { 1: '2', 2: 'ST', 3: ['110180', 'Study Instance UID', 'DCM'], 5: studyUid }),
  ]).toString();
}

describe('demo: the stand-in RIS (HL7 sink)', () => {
  let sink: Hl7Sink;
  let client: MllpClient;

  beforeEach(async () => {
    sink = new Hl7Sink({ host: '127.0.0.1' });
    await sink.start();
    client = new MllpClient({ host: '127.0.0.1', port: sink.port, connectTimeoutMs: 2000, responseTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await client.close();
    await sink.stop();
  });

  it('acknowledges each message with AA quoting its control id, and keeps it with its study', async () => {
    const ack = readAck(await client.send(oru('C1', '1.2.3.4'), { isReply: answersControlId('C1') }));
    expect(ack.code).to.equal('AA');
    expect(ack.ackedControlId).to.equal('C1');
    expect(sink.received).to.have.length(1);
    expect(sink.received[0]).to.include({ type: 'ORU^R01', controlId: 'C1', studyInstanceUid: '1.2.3.4', resend: false });
  });

  it('marks a second message with a control id it took as a resend, and acknowledges it again', async () => {
    await client.send(oru('C2', '1.2.3.5'), { isReply: answersControlId('C2') });
    const again = readAck(await client.send(oru('C2', '1.2.3.5'), { isReply: answersControlId('C2') }));
    expect(again.code).to.equal('AA');
    expect(sink.received.map((r) => r.resend)).to.deep.equal([false, true]);
    expect(sink.distinct()).to.have.length(1);
  });

  it('closes the connection on a frame that is not HL7, and counts it', async () => {
    const socket = net.connect(sink.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(encodeFrame('GET / HTTP/1.1'));
    await closed;
    await eventually(() => sink.malformed === 1, 'the malformed frame counted');
    expect(sink.received).to.deep.equal([]);
  });

  it("prints a message one segment per line with the patient's identifying fields masked", () => {
    const lines = readableHl7(parseMessage(oru('C3', '1.2.3.6')));
    expect(lines.map((l) => l.slice(0, 3))).to.deep.equal(['MSH', 'PID', 'OBR', 'OBX', 'OBX']);
    expect(lines[1]).to.equal('PID|1||***||***||***|F');
    const text = lines.join('\n');
    for (const identifying of ['SYN-HCT-000042', 'SYNTHETIC', 'PHANTOM HCT', '19600101']) expect(text).to.not.include(identifying);
    expect(text).to.include('OBX|1|NM|1386000^Intracranial hemorrhage^SCT||0.97|||AA');
  });
});
