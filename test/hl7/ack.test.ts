import { expect } from 'chai';
import { ackedControlIdOf, buildAck, readAck } from '../../src/hl7/ack.js';
import { Hl7Message, mshSegment, segment } from '../../src/hl7/message.js';
import { parseMessage } from '../../src/hl7/parse.js';
import { isVigilError } from '../../src/core/errors.js';
import { parseWithPythonHl7, requirePythonHl7, valuesOf } from '../helpers/python-hl7.js';

const order = new Hl7Message([
  mshSegment({ 3: 'RIS', 4: 'HOSP', 5: 'VIGIL', 6: 'RAD', 9: ['OMI', 'O23', 'OMI_O23'], 10: 'ORD-7', 11: 'P', 12: '2.5.1' }),
  segment('PID', { 1: '1', 3: 'X' }),
]);

function expectCode(fn: () => unknown, code: Parameters<typeof isVigilError>[1]): void {
  expect(fn)
    .to.throw()
    .that.satisfies((e: unknown) => isVigilError(e, code));
}

describe('hl7/ack: building and reading acknowledgements', () => {
  it('builds an AA that swaps sender and receiver and quotes the control id', () => {
    const ack = parseMessage(buildAck(order, { code: 'AA', controlId: 'A1', at: 0 }).toString());
    expect(ack.type).to.equal('ACK^O23');
    expect([ack.get('MSH', 3), ack.get('MSH', 4), ack.get('MSH', 5), ack.get('MSH', 6)]).to.deep.equal(['VIGIL', 'RAD', 'RIS', 'HOSP']);
    expect(ack.get('MSA', 1)).to.equal('AA');
    expect(ack.get('MSA', 2)).to.equal('ORD-7');
    expect(ack.segment('ERR')).to.equal(undefined);
  });

  it('builds an AE with an ERR segment (table 0357 code) and reads it back', () => {
    const text = buildAck(order, { code: 'AE', controlId: 'A2', text: 'record locked', errorCode: '206' }).toString();
    const ack = readAck(text);
    expect(ack).to.include({ code: 'AE', ackedControlId: 'ORD-7', text: 'record locked', errorCode: '206', messageType: 'ACK^O23' });
  });

  it('reads v2.3-style error codes from MSA-6 and any reply with an MSA (ORL^O24)', () => {
    const ack = readAck('MSH|^~\\&|RIS|H|V|H|20240101||ORL^O24|9|P|2.5.1\rMSA|AR|ORD-7|bad|||200^Unsupported message type\r');
    expect(ack).to.include({ code: 'AR', errorCode: '200', messageType: 'ORL^O24' });
  });

  it('calls a reply malformed when it is not HL7, has no MSA, an unknown code or no control id', () => {
    expectCode(() => readAck('HTTP/1.1 200 OK'), 'ALERT_ACK_MALFORMED');
    expectCode(() => readAck('MSH|^~\\&|A\rPID|1\r'), 'ALERT_ACK_MALFORMED');
    expectCode(() => readAck('MSH|^~\\&|A\rMSA|OK|1\r'), 'ALERT_ACK_MALFORMED');
    expectCode(() => readAck('MSH|^~\\&|A\rMSA|AA\r'), 'ALERT_ACK_MALFORMED');
  });

  it('finds the acknowledged control id of a reply, or nothing', () => {
    expect(ackedControlIdOf(buildAck(order, { code: 'AA', controlId: 'Z' }).toString())).to.equal('ORD-7');
    expect(ackedControlIdOf('garbage')).to.equal(undefined);
    expect(ackedControlIdOf(order.toString())).to.equal(undefined);
  });

  it('writes ACKs that python3-hl7 reads the same way', function () {
    requirePythonHl7(this);
    const acks = [
      buildAck(order, { code: 'AE', controlId: 'A3', text: 'a|b^c~d&e\\f Zoë 李', errorCode: '207' }),
      buildAck(order, { code: 'AA', controlId: 'A4' }),
      buildAck(order, { code: 'AR', controlId: 'A5', text: 'order 1: no accession', errorCode: '101' }),
    ];
    const theirs = parseWithPythonHl7(acks.map((a) => a.toString()));
    // Field by field against what the ACK was built from, and against our own reading of it.
    acks.forEach((ack, i) => {
      expect(theirs[i]).to.deep.equal(valuesOf(ack));
      expect(theirs[i]).to.deep.equal(valuesOf(parseMessage(ack.toString())));
    });
  });
});
