import { expect } from 'chai';
import fc from 'fast-check';
import { escapeText, unescapeText, type Delimiters } from '../../src/hl7/encoding.js';

describe('hl7/encoding: escaping', () => {
  it('escapes every delimiter and line breaks', () => {
    expect(escapeText('a|b^c~d\\e&f')).to.equal('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
    expect(escapeText('line1\r\nline2')).to.equal('line1\\X0D\\\\X0A\\line2');
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
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(unescapeText(escapeText(text))).to.equal(text);
        expect(unescapeText(escapeText(text, odd), odd)).to.equal(text);
        expect(escapeText(text)).not.to.match(/[|^~&\r\n]/);
      }),
    );
  });
});
