import net from 'node:net';

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

/** A connection held open by a test, and the first PDU the node answered on it (if any). */
export interface HeldConnection {
  socket: net.Socket;
  /** The node's first PDU: 0x02 A-ASSOCIATE-AC, 0x03 -RJ, 0x07 A-ABORT; undefined if it closed without one. */
  answer: Buffer | undefined;
  /** Resolves when the node has closed the connection, with everything it sent. */
  closed: Promise<Buffer>;
}

/**
 * Opens a connection from `localAddress` (any of 127.0.0.0/8 on Linux, so that a test can be
 * several peers) and, unless `associate` is false, sends an A-ASSOCIATE-RQ for C-ECHO and waits
 * for the node's answer; then sends nothing more: a peer that holds its slot silently.
 */
export async function holdConnection(
  port: number,
  localAddress: string,
  opts: { associate?: boolean; callingAe?: string; calledAe?: string } = {},
): Promise<HeldConnection> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  const received: Buffer[] = [];
  let bytes = 0;
  let onData: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    received.push(d);
    bytes += d.length;
    onData?.();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<Buffer>((resolve) => socket.once('close', () => resolve(Buffer.concat(received))));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  if (opts.associate === false) return { socket, answer: undefined, closed };
  socket.write(
    associateRequestPdu(opts.calledAe ?? 'VIGIL', opts.callingAe ?? 'SILENT', [
      { id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'] },
    ]),
  );
  const answer = await new Promise<Buffer | undefined>((resolve) => {
    const whole = (): Buffer | undefined => {
      if (bytes < 6) return undefined;
      const all = Buffer.concat(received);
      const length = 6 + all.readUInt32BE(2);
      return all.length >= length ? all.subarray(0, length) : undefined;
    };
    onData = () => {
      const pdu = whole();
      if (pdu) resolve(pdu);
    };
    void closed.then(() => resolve(whole()));
  });
  onData = undefined;
  return { socket, answer, closed };
}

/** The result, source and reason of an A-ASSOCIATE-RJ PDU (PS3.8 9.3.4). */
export function rejectFields(pdu: Buffer | undefined): { result: number; source: number; reason: number } | undefined {
  if (!pdu || pdu[0] !== 0x03) return undefined;
  return { result: pdu[7]!, source: pdu[8]!, reason: pdu[9]! };
}
