import { expect } from 'chai';
import fc from 'fast-check';
import { Hl7Message, mshSegment, segment } from '../../src/hl7/message.js';
import { parseMessage } from '../../src/hl7/parse.js';
import { isVigilError } from '../../src/core/errors.js';
import { parseWithPythonHl7, requirePythonHl7, valuesOf } from '../helpers/python-hl7.js';
import { hl7Text } from '../helpers/hl7-text.js';

function sample(name: string): Hl7Message {
  return new Hl7Message([
    mshSegment({ 3: 'VIGIL', 4: 'HOSP', 5: 'RIS', 6: 'HOSP', 7: '20240102030405+0000', 9: ['ORU', 'R01', 'ORU_R01'], 10: 'C1', 11: 'P', 12: '2.5.1' }),
    segment('PID', { 1: '1', 3: { repeat: [['12345', '', '', ['HOSP', '1.2.3', 'ISO'], 'MR'], 'ALT'] }, 5: [name, 'Ann'] }),
    segment('OBX', { 1: '1', 2: 'NM', 3: ['123', 'Finding', 'SCT'], 5: '0.93', 8: 'AA' }),
    segment('OBX', { 1: '2', 2: 'ST', 5: 'second' }),
  ]);
}

describe('hl7/message: build, write and parse', () => {
  it('writes MSH with its delimiters, escapes values and trims trailing empties', () => {
    const text = sample('O|Brien^Jr').toString();
    const lines = text.split('\r');
    expect(lines[0]).to.equal('MSH|^~\\&|VIGIL|HOSP|RIS|HOSP|20240102030405+0000||ORU^R01^ORU_R01|C1|P|2.5.1');
    expect(lines[1]).to.equal('PID|1||12345^^^HOSP&1.2.3&ISO^MR~ALT||O\\F\\Brien\\S\\Jr^Ann');
    expect(text.endsWith('\r')).to.equal(true);
  });

  it('parses what it writes, by position', () => {
    const msg = parseMessage(sample('O|Brien^Jr').toString());
    expect(msg.type).to.equal('ORU^R01');
    expect(msg.controlId).to.equal('C1');
    expect(msg.get('PID', 5)).to.equal('O|Brien^Jr');
    expect(msg.get('PID', 3, 4, 2)).to.equal('1.2.3');
    expect(msg.get('PID', 3, 1, 1, 2)).to.equal('ALT');
    expect(msg.all('OBX').map((s) => s.fields[5]?.[0]?.[0]?.[0])).to.deep.equal(['0.93', 'second']);
    expect(msg.get('MSH', 2)).to.equal('^~\\&');
  });

  it('reads messages that use LF or CRLF between segments, and other delimiters', () => {
    const msg = parseMessage('MSH#$*!%#A#B\r\nPID#1##X$Y%Z*W\n');
    expect(msg.get('PID', 3, 2, 2)).to.equal('Z');
    expect(msg.get('PID', 3, 1, 1, 2)).to.equal('W');
    expect(parseMessage(msg.toString()).get('PID', 3, 2, 2)).to.equal('Z');
  });

  it('refuses what is not a message, with HL7_PARSE_FAILED', () => {
    for (const bad of ['', 'PID|1', 'MSH', 'MSH|^^\\&|A', 'MSH|^~\\&|A\rpid|x', 'MSH|^~\\&|A\rPIDX']) {
      expect(() => parseMessage(bad), JSON.stringify(bad))
        .to.throw()
        .that.satisfies((e: unknown) => isVigilError(e, 'HL7_PARSE_FAILED'));
    }
  });

  it('round-trips any field text (property)', () => {
    fc.assert(
      fc.property(fc.array(hl7Text, { minLength: 1, maxLength: 5 }), (values) => {
        const msg = new Hl7Message([mshSegment({ 9: ['ACK'], 10: 'X' }), segment('NTE', { 3: values.map((v) => [v]) })]);
        const back = parseMessage(msg.toString());
        values.forEach((v, i) => {
          // trailing empty components are trimmed on write, so only what is present counts
          if (v !== '') expect(back.get('NTE', 3, i + 1)).to.equal(v);
        });
      }),
    );
  });

  it('means the same to Debian python3-hl7 as to us', function () {
    requirePythonHl7(this);
    const built = ['Plain^Name', 'O|Brien^Jr~x&y\\z', 'Mélanie Çelik 李', 'two\rlines', 'frame\x1cbytes\x0b'].map(sample);
    const texts = built.map((m) => m.toString());
    const theirs = parseWithPythonHl7(texts);
    // Against the values the message was built from, not our own reading of the text: a writer and
    // a parser wrong in the same way would agree with each other, never with python3-hl7.
    built.forEach((msg, i) => expect(theirs[i]).to.deep.equal(valuesOf(msg)));
    texts.forEach((text, i) => expect(theirs[i]).to.deep.equal(valuesOf(parseMessage(text))));
    expect(theirs[1]!['PID#1.5.1.1.1']).to.equal('O|Brien^Jr~x&y\\z');
  });
});
