import zlib from 'node:zlib';
import { expect } from 'chai';
import { decodePng, encodePng } from '../../src/triage/png.js';

describe('triage/png: the key image format, both ways', () => {
  it('reads back what it wrote, pixel for pixel', () => {
    const rgb = Uint8Array.from({ length: 7 * 4 * 3 }, (_, i) => (i * 53) % 256);
    expect(decodePng(encodePng(7, 4, rgb))).to.deep.equal({ width: 7, height: 4, rgb });
  });

  it('refuses what it did not write rather than guess: another colour type, a row filter, a truncated image', () => {
    const png = encodePng(2, 2, new Uint8Array(12));
    const grey = Buffer.from(png);
    grey[8 + 8 + 9] = 0; // IHDR colour type 2 → 0
    expect(() => decodePng(grey)).to.throw('not 8-bit RGB');
    const filtered = rebuild(png, (raw) => raw.fill(1, 0, 1)); // first row: filter "sub"
    expect(() => decodePng(filtered)).to.throw('row filter');
    const short = rebuild(png, (raw) => raw.subarray(0, raw.length - 1));
    expect(() => decodePng(short)).to.throw('does not match its header');
    expect(() => decodePng(Buffer.from('not a png'))).to.throw('no signature');
  });
});

/** The same PNG with its inflated image data changed (CRCs are not checked on reading). */
function rebuild(png: Buffer, change: (raw: Buffer) => Buffer): Buffer {
  const idatAt = png.indexOf('IDAT') - 4;
  const length = png.readUInt32BE(idatAt);
  const raw = change(zlib.inflateSync(png.subarray(idatAt + 8, idatAt + 8 + length)));
  const data = zlib.deflateSync(raw);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('IDAT', 4, 'latin1');
  data.copy(chunk, 8);
  return Buffer.concat([png.subarray(0, idatAt), chunk, png.subarray(idatAt + 12 + length)]);
}
