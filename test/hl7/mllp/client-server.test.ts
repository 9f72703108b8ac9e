import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { MllpClient, type MllpClientOptions } from '../../../src/hl7/mllp/client.js';
import { MllpServer, type MllpHandler } from '../../../src/hl7/mllp/server.js';
import { encodeFrame } from '../../../src/hl7/mllp/framing.js';
import { answersControlId, buildAck } from '../../../src/hl7/ack.js';
import { Hl7Message, mshSegment, segment } from '../../../src/hl7/message.js';
import { parseMessage } from '../../../src/hl7/parse.js';
import { isVigilError, type ErrorCode } from '../../../src/core/errors.js';
import { requirePythonHl7 } from '../../helpers/python-hl7.js';
import { requireTool } from '../../helpers/tools.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';

const TLS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/tls');
const cert = fs.readFileSync(path.join(TLS_DIR, 'peer-cert.pem'));
const key = fs.readFileSync(path.join(TLS_DIR, 'peer-key.pem'));

function message(controlId: string): string {
  return new Hl7Message([
    mshSegment({ 3: 'VIGIL', 5: 'RIS', 9: ['ORU', 'R01', 'ORU_R01'], 10: controlId, 11: 'P', 12: '2.5.1' }),
    segment('PID', { 1: '1', 3: 'P1' }),
  ]).toString();
}

const ackAll = (text: string): string => buildAck(parseMessage(text), { code: 'AA', controlId: `ACK-${parseMessage(text).controlId}` }).toString();

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isVigilError(err, code), `expected ${code}, got ${String(err)}`).to.equal(true);
}

describe('hl7/mllp: client and server over real sockets', () => {
  const servers: MllpServer[] = [];
  const clients: MllpClient[] = [];

  async function serve(handler: MllpHandler, tls?: { cert: Buffer; key: Buffer }): Promise<MllpServer> {
    const server = new MllpServer({ host: '127.0.0.1', port: 0, handler, tls });
    await server.start();
    servers.push(server);
    return server;
  }
  function client(port: number, extra: Partial<MllpClientOptions> = {}): MllpClient {
    const c = new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 2000, responseTimeoutMs: 2000, ...extra });
    clients.push(c);
    return c;
  }
  const send = (c: MllpClient, id: string): Promise<string> => c.send(message(id), { isReply: answersControlId(id) });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('sends messages in order over one reused connection and gets each ACK', async () => {
    const seen: string[] = [];
    const server = await serve((text) => {
      seen.push(parseMessage(text).controlId);
      return ackAll(text);
    });
    const c = client(server.port);
    const acks = await Promise.all(['m1', 'm2', 'm3'].map((id) => send(c, id)));
    expect(acks.map((a) => parseMessage(a).get('MSA', 2))).to.deep.equal(['m1', 'm2', 'm3']);
    expect(seen).to.deep.equal(['m1', 'm2', 'm3']);
    expect(c.connects).to.equal(1);
    expect(server.connectionsAccepted).to.equal(1);
  });

  it('ignores a duplicate ACK instead of taking it as the answer to the next message', async () => {
    // A peer that acknowledges every message twice, both ACKs in one write.
    const raw = net.createServer((socket) => {
      let buf = '';
      socket.on('data', (chunk) => {
        buf += chunk.toString('utf8');
        for (let end = buf.indexOf('\x1c\r'); end >= 0; end = buf.indexOf('\x1c\r')) {
          const text = buf.slice(buf.indexOf('\x0b') + 1, end);
          buf = buf.slice(end + 2);
          const ack = encodeFrame(ackAll(text));
          socket.write(Buffer.concat([ack, ack]));
        }
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const c = client((raw.address() as net.AddressInfo).port);
      expect(parseMessage(await send(c, 'd1')).get('MSA', 2)).to.equal('d1');
      expect(parseMessage(await send(c, 'd2')).get('MSA', 2)).to.equal('d2');
      expect(c.ignoredFrames).to.be.greaterThanOrEqual(1);
    } finally {
      raw.close();
    }
  });

  it('fails fast with the malformed reply rather than waiting for the timeout', async () => {
    const server = await serve(() => 'this is not HL7');
    const c = client(server.port, { responseTimeoutMs: 60_000 });
    expect(await send(c, 'x1')).to.equal('this is not HL7');
  });

  it('times out on a silent peer (MLLP_TIMEOUT), then reconnects for the next message', async () => {
    let silent = true;
    const server = await serve((text) => (silent ? null : ackAll(text)));
    const c = client(server.port, { responseTimeoutMs: 100 });
    await expectCode(send(c, 's1'), 'MLLP_TIMEOUT');
    silent = false;
    expect(parseMessage(await send(c, 's2')).get('MSA', 2)).to.equal('s2');
    expect(c.connects).to.equal(2);
  });

  it('reports a peer that hangs up before answering (MLLP_CONNECTION_CLOSED)', async () => {
    const server = await serve(() => {
      throw new Error('peer fails'); // the server closes the connection
    });
    await expectCode(send(client(server.port), 'h1'), 'MLLP_CONNECTION_CLOSED');
  });

  it('reports a refused connection (MLLP_CONNECT_FAILED)', async () => {
    const server = await serve(ackAll);
    const port = server.port;
    await server.stop();
    servers.length = 0;
    await expectCode(send(client(port), 'r1'), 'MLLP_CONNECT_FAILED');
  });

  it('aborts a message in flight when its signal fires', async () => {
    const server = await serve(() => null);
    const c = client(server.port, { responseTimeoutMs: 60_000 });
    const ac = new AbortController();
    const p = c.send(message('a1'), { isReply: answersControlId('a1'), signal: ac.signal });
    setImmediate(() => ac.abort(new Error('stopping')));
    const err = await p.catch((e: unknown) => e as Error);
    expect((err as Error).message).to.equal('stopping');
  });

  it('speaks MLLP over TLS, and reports an untrusted certificate as MLLP_TLS_FAILED', async () => {
    const server = await serve(ackAll, { cert, key });
    const trusted = client(server.port, { tls: { ca: cert } });
    expect(parseMessage(await send(trusted, 't1')).get('MSA', 2)).to.equal('t1');
    await expectCode(send(client(server.port, { tls: {} }), 't2'), 'MLLP_TLS_FAILED');
  });

  it('reports TLS against a plain peer as MLLP_TLS_FAILED', async () => {
    const server = await serve(ackAll);
    await expectCode(send(client(server.port, { tls: { ca: cert }, connectTimeoutMs: 500 }), 't3'), 'MLLP_TLS_FAILED');
  });

  it('answers in order on one connection even when answers take different times', async () => {
    const delays: Record<string, number> = { o1: 30, o2: 0, o3: 10 };
    const server = await serve(async (text) => {
      await new Promise((r) => setTimeout(r, delays[parseMessage(text).controlId]));
      return ackAll(text);
    });
    const socket = net.connect(server.port, '127.0.0.1');
    const replies: string[] = [];
    let buf = '';
    socket.on('data', (d) => (buf += d.toString()));
    socket.write(Buffer.concat(['o1', 'o2', 'o3'].map((id) => encodeFrame(message(id)))));
    while (buf.split('\x1c\r').length - 1 < 3) await new Promise((r) => setTimeout(r, 5));
    for (const frame of buf.split('\x1c\r').filter(Boolean)) replies.push(parseMessage(frame.slice(1)).get('MSA', 2));
    socket.destroy();
    expect(replies).to.deep.equal(['o1', 'o2', 'o3']);
  });

  it("accepts messages from Debian's mllp_send (python3-hl7) and answers each", async function () {
    requirePythonHl7(this);
    const mllpSend = requireTool(this, 'mllp_send', 'python3-hl7');
    const seen: string[] = [];
    const server = await serve((text) => {
      seen.push(parseMessage(text).controlId);
      return ackAll(text);
    });
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'messages.mllp');
      fs.writeFileSync(file, Buffer.concat(['p1', 'p2'].map((id) => encodeFrame(message(id)))));
      const { stdout } = await promisify(execFile)(mllpSend, ['-p', String(server.port), '-f', file, '127.0.0.1']);
      expect(seen).to.deep.equal(['p1', 'p2']);
      expect(stdout).to.include('MSA|AA|p1').and.include('MSA|AA|p2');
    } finally {
      removeDir(dir);
    }
  });
});
