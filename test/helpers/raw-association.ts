/**
 * Hand-built association PDUs (PS3.8 9.3.2) for tests that must send what no real SCU would:
 * the bytes after the A-ASSOCIATE-RQ are the test's to choose.
 */
const APPLICATION_CONTEXT = '1.2.840.10008.3.1.1.1';

export interface ProposedContext {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

export function associateRequestPdu(calledAe: string, callingAe: string, contexts: ProposedContext[]): Buffer {
  const items = [
    item(0x10, Buffer.from(APPLICATION_CONTEXT, 'latin1')),
    ...contexts.map((c) =>
      item(
        0x20,
        Buffer.concat([
          Buffer.from([c.id, 0, 0, 0]),
          item(0x30, Buffer.from(c.abstractSyntax, 'latin1')),
          ...c.transferSyntaxes.map((ts) => item(0x40, Buffer.from(ts, 'latin1'))),
        ]),
      ),
    ),
    item(0x50, item(0x51, uint32(16384))),
  ];
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0); // protocol version
  fixed.write(calledAe.padEnd(16), 4, 'latin1');
  fixed.write(callingAe.padEnd(16), 20, 'latin1');
  const body = Buffer.concat([fixed, ...items]);
  return Buffer.concat([Buffer.from([0x01, 0x00]), uint32(body.length), body]);
}

function item(type: number, value: Buffer): Buffer {
  const head = Buffer.from([type, 0, 0, 0]);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
