import { expect } from 'chai';
import { PduFramer, type PdvPiece } from '../../src/dicom/net/pdu-framer.js';
import { pdataPdu, type Pdv } from '../../src/dicom/net/pdata-tf.js';

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

describe('dicom/pdu-framer: PDUs out of network reads', () => {
  const a = pdu(0x01, Buffer.alloc(70_000, 1));
  const b = pdu(0x05, Buffer.alloc(4));
  const c = pdu(0x06, Buffer.from('last'));
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

  describe('P-DATA-TF: PDVs piece by piece', () => {
    const pdvs: Pdv[] = [
      { contextId: 1, command: true, last: true, value: Buffer.from('command bytes') },
      { contextId: 1, command: false, last: false, value: Buffer.alloc(150_000, 7) },
      { contextId: 1, command: false, last: false, value: Buffer.alloc(0) },
      { contextId: 1, command: false, last: true, value: Buffer.from('end') },
    ];
    const stream = Buffer.concat([pdataPdu(pdvs.slice(0, 2)), b, pdataPdu(pdvs.slice(2))]);

    /** Joins the pieces of each PDV back together (and keeps the other PDUs as they come). */
    function reassemble(out: ReturnType<PduFramer['push']>): (Pdv | Buffer)[] {
      const whole: (Pdv | Buffer)[] = [];
      let open: PdvPiece[] = [];
      for (const f of out) {
        if ('error' in f) throw new Error(f.error);
        if ('pdu' in f) {
          whole.push(f.pdu);
          continue;
        }
        open.push(f.piece);
        if (!f.piece.ends) continue;
        const { contextId, command, last } = f.piece;
        whole.push({ contextId, command, last, value: Buffer.concat(open.map((p) => p.value)) });
        open = [];
      }
      return whole;
    }

    for (const size of [1, 6, 7, 4096, 65_536, stream.length]) {
      it(`gives the same PDVs whatever the read size (${size} bytes)`, () => {
        expect(reassemble(feed(new PduFramer(1 << 20), stream, size))).to.deep.equal([pdvs[0], pdvs[1], b, pdvs[2], pdvs[3]]);
      });
    }

    it('hands every piece of a value over as a view of its read, never a copy', () => {
      const framer = new PduFramer(1 << 20);
      for (let at = 0; at < stream.length; at += 65_536) {
        const read = stream.subarray(at, at + 65_536);
        for (const f of framer.push(read)) if ('piece' in f && f.piece.value.length > 0) expect(f.piece.value.buffer).to.equal(read.buffer);
      }
    });

    for (const [name, bytes, error] of [
      ['without a PDV', Buffer.from([0x04, 0, 0, 0, 0, 0]), 'P-DATA-TF without a PDV'],
      ['whose PDV runs past it', Buffer.from([0x04, 0, 0, 0, 0, 8, 0, 0, 0, 9, 1, 3, 0, 0]), 'a PDV runs past its PDU'],
      ['whose PDV item is shorter than its header', Buffer.from([0x04, 0, 0, 0, 0, 6, 0, 0, 0, 1, 1, 3]), 'a PDV runs past its PDU'],
      ['with bytes after its last PDV that are no PDV', Buffer.from([0x04, 0, 0, 0, 0, 9, 0, 0, 0, 3, 1, 3, 0xaa, 0, 0]), 'a PDV header runs past its PDU'],
    ] as const) {
      it(`refuses a P-DATA-TF ${name}`, () => {
        const out = new PduFramer(1024).push(bytes);
        expect(out.at(-1)).to.deep.equal({ error, kind: 'bad-pdata' });
      });
    }
  });
});
