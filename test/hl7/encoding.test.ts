import { expect } from 'chai';
import fc from 'fast-check';
import { escapeText, unescapeText, type Delimiters } from '../../src/hl7/encoding.js';
import { encodeFrame, FrameDecoder } from '../../src/hl7/mllp/framing.js';
import { Hl7Message, mshSegment, segment } from '../../src/hl7/message.js';
import { parseMessage } from '../../src/hl7/parse.js';
import { hl7Text } from '../helpers/hl7-text.js';

describe('hl7/encoding: escaping', () => {
  it('escapes every delimiter and line breaks', () => {
    expect(escapeText('a|b^c~d\\e&f')).to.equal('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
    expect(escapeText('line1\r\nline2')).to.equal('line1\\X0D\\\\X0A\\line2');
  });

  it('escapes control characters, so a value holding MLLP framing bytes cannot end the frame early', () => {
    // A DICOM header may carry any byte: a study description holding FS (0x1C) would end the
    // MLLP frame there, and the receiver would read the rest as bytes outside any frame.
    expect(escapeText('a\x1cb\x0bc\x00d\x7fe\tf')).to.equal('a\\X1C\\b\\X0B\\c\\X00\\d\\X7F\\e\tf');
    const sent = new Hl7Message([mshSegment({ 9: ['ORU', 'R01'], 10: 'C1' }), segment('NTE', { 3: 'CT HEAD\x1c\rWO\x0b' })]).toString();
    const frames = new FrameDecoder().push(encodeFrame(sent));
    expect(frames).to.have.length(1);
    expect(parseMessage(frames[0]!).get('NTE', 3)).to.equal('CT HEAD\x1c\rWO\x0b');
  });

  it('unescapes the standard sequences, hexadecimal UTF-8 and .br', () => {
    expect(unescapeText('O\\F\\Brien\\S\\Jr')).to.equal('O|Brien^Jr');
    expect(unescapeText('M\\XC3A9\\lanie')).to.equal('Mélanie');
    expect(unescapeText('a\\.br\\b')).to.equal('a\rb');
    expect(unescapeText('\\H\\bold\\N\\')).to.equal('bold');
  });

  it('keeps unknown or unterminated sequences as received', () => {
    expect(unescapeText('a\\Zfoo\\b')).to.equal('a\\Zfoo\\b');
    expect(unescapeText('trailing\\E')).to.equal('trailing\\E');
  });

  it('round-trips any text, with default and unusual delimiters', () => {
    const odd: Delimiters = { field: '#', component: '$', repetition: '*', escape: '!', subcomponent: '%' };
    fc.assert(
      fc.property(hl7Text, (text) => {
        expect(unescapeText(escapeText(text))).to.equal(text);
        expect(unescapeText(escapeText(text, odd), odd)).to.equal(text);
        // eslint-disable-next-line no-control-regex -- control characters are what escaping must remove
        expect(escapeText(text)).not.to.match(/[|^~&\x00-\x08\x0a-\x1f\x7f]/);
      }),
    );
  });
});
