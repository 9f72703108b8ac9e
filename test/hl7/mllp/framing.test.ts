import { expect } from 'chai';
import fc from 'fast-check';
import { FrameDecoder, encodeFrame } from '../../../src/hl7/mllp/framing.js';
import { isVigilError } from '../../../src/core/errors.js';

describe('hl7/mllp/framing: the MLLP codec', () => {
  it('frames a message as VT message FS CR, in UTF-8', () => {
    const frame = encodeFrame('MSH|é');
    expect([...frame]).to.deep.equal([0x0b, ...Buffer.from('MSH|é', 'utf8'), 0x1c, 0x0d]);
  });

  it('decodes frames split anywhere or packed together, skipping bytes between frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (messages, cuts) => {
          const clean = messages.map((m) => m.replaceAll('\x0b', '').replaceAll('\x1c', ''));
          const wire = Buffer.concat(clean.flatMap((m) => [Buffer.from('\n'), encodeFrame(m)]));
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const decoder = new FrameDecoder();
          const out: string[] = [];
          let from = 0;
          for (const p of [...points, wire.length]) {
            out.push(...decoder.push(wire.subarray(from, p)));
            from = p;
          }
          expect(out).to.deep.equal(clean);
          expect(decoder.pending).to.equal(false);
        },
      ),
    );
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const frame = encodeFrame('Zoë');
    const decoder = new FrameDecoder();
    expect(decoder.push(frame.subarray(0, 4))).to.deep.equal([]);
    expect(decoder.pending).to.equal(true);
    expect(decoder.push(frame.subarray(4))).to.deep.equal(['Zoë']);
  });

  it('refuses a frame over the limit with MLLP_FRAME_TOO_LARGE', () => {
    const decoder = new FrameDecoder(10);
    expect(() => decoder.push(encodeFrame('x'.repeat(11))))
      .to.throw()
      .that.satisfies((e: unknown) => isVigilError(e, 'MLLP_FRAME_TOO_LARGE'));
  });
});
