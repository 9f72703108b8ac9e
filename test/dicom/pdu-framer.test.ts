import { expect } from 'chai';
import { PduFramer } from '../../src/dicom/pdu-framer.js';

function pdu(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

/** Feeds `bytes` in pieces of `size` and collects what comes out. */
function feed(framer: PduFramer, bytes: Buffer, size: number) {
  const out = [];
  for (let at = 0; at < bytes.length; at += size) out.push(...framer.push(bytes.subarray(at, at + size)));
  return out;
}

describe('dicom/pdu-framer: whole PDUs out of network reads', () => {
  const a = pdu(0x04, Buffer.alloc(70_000, 1));
  const b = pdu(0x05, Buffer.alloc(4));
  const c = pdu(0x04, Buffer.from('last'));
  const stream = Buffer.concat([a, b, c]);

  for (const size of [1, 5, 6, 7, 4096, 65_536, stream.length]) {
    it(`gives the same PDUs whatever the read size (${size} bytes)`, () => {
      const out = feed(new PduFramer(1 << 20), stream, size);
      expect(out.map((f) => ('pdu' in f ? f.pdu : f))).to.deep.equal([a, b, c]);
    });
  }

  it('hands a PDU that lies within one read over as a view, not a copy', () => {
    const read = Buffer.concat([b, c]);
    const out = new PduFramer(1024).push(read);
    expect(out).to.have.length(2);
    expect((out[0] as { pdu: Buffer }).pdu.buffer).to.equal(read.buffer);
  });

  it('refuses an unknown PDU type and takes nothing after it', () => {
    const framer = new PduFramer(1024);
    const out = framer.push(Buffer.concat([b, pdu(0x09, Buffer.alloc(2)), c]));
    expect(out[0]).to.deep.equal({ pdu: b });
    expect(out[1]).to.deep.equal({ error: 'unknown PDU type 0x09', kind: 'unknown-type' });
    expect(out).to.have.length(2);
    expect(framer.push(c)).to.deep.equal([]);
  });

  it('refuses a PDU longer than its bound before buffering it', () => {
    const head = Buffer.from([0x04, 0, 0xff, 0xff, 0xff, 0xf0]);
    expect(new PduFramer(1 << 20).push(head)).to.deep.equal([{ error: 'PDU of 4294967280 bytes is larger than the 1048576 accepted', kind: 'too-long' }]);
  });
});
