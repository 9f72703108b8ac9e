import net from 'node:net';
import tls from 'node:tls';
import { buildAck, type AckCode } from '../../src/hl7/ack.js';
import type { Hl7Message } from '../../src/hl7/message.js';
import { FrameDecoder, encodeFrame } from '../../src/hl7/mllp/framing.js';
import { parseMessage } from '../../src/hl7/parse.js';

/** How the peer answers one message. */
export type PeerReply =
  | 'AA'
  | { code: AckCode; errorCode?: string; text?: string }
  /** Not HL7 at all. */
  | 'malformed'
  /** Every ACK written twice. */
  | 'duplicate'
  /** No answer (a slow or stuck peer). */
  | 'silent'
  /** Close the connection without answering (a peer going down). */
  | 'hang-up';

export interface Received {
  text: string;
  msg: Hl7Message;
  connection: number;
}

/**
 * A stub RIS on a real loopback socket, written on raw node:net with our framing codec (not
 * our MllpServer, so the client is not only tested against its twin). It answers from a
 * script, then with `fallback`; `accepted` lists the control ids it answered AA to, as a
 * receiver that de-duplicates on MSH-10 would count them.
 */
export class MllpPeer {
  readonly received: Received[] = [];
  readonly accepted: string[] = [];
  fallback: PeerReply = 'AA';
  private readonly script: PeerReply[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;
  private onMessage: ((r: Received) => void) | undefined;

  constructor(private readonly tlsOptions?: tls.TlsOptions) {}

  then(...replies: PeerReply[]): this {
    this.script.push(...replies);
    return this;
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  /** Resolves with the next message received (before it is answered). */
  next(): Promise<Received> {
    return new Promise((resolve) => (this.onMessage = resolve));
  }

  /** Control ids received more than once (resends after a lost ACK). */
  resent(): string[] {
    const seen = new Map<string, number>();
    for (const r of this.received) seen.set(r.msg.controlId, (seen.get(r.msg.controlId) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  }

  async start(port = 0): Promise<void> {
    const onSocket = (socket: net.Socket): void => this.accept(socket);
    const server = this.tlsOptions ? tls.createServer(this.tlsOptions, onSocket) : net.createServer(onSocket);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const connection = ++this.connections;
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const text of decoder.push(chunk)) this.answer(socket, text, connection);
    });
  }

  private answer(socket: net.Socket, text: string, connection: number): void {
    const msg = parseMessage(text);
    const received = { text, msg, connection };
    this.received.push(received);
    this.onMessage?.(received);
    this.onMessage = undefined;
    const reply = this.script.shift() ?? this.fallback;
    const ack = (code: AckCode, errorCode?: string, t?: string): Buffer =>
      encodeFrame(buildAck(msg, { code, controlId: `A${this.received.length}`, ...(errorCode ? { errorCode } : {}), ...(t ? { text: t } : {}) }).toString());
    if (reply === 'silent') return;
    if (reply === 'hang-up') {
      socket.destroy();
      return;
    }
    if (reply === 'malformed') {
      socket.write(encodeFrame('HTTP/1.1 400 Bad Request'));
      return;
    }
    if (reply === 'AA' || reply === 'duplicate') {
      if (!this.accepted.includes(msg.controlId)) this.accepted.push(msg.controlId);
      const frame = ack('AA');
      socket.write(reply === 'duplicate' ? Buffer.concat([frame, frame]) : frame);
      return;
    }
    if (reply.code === 'AA' && !this.accepted.includes(msg.controlId)) this.accepted.push(msg.controlId);
    socket.write(ack(reply.code, reply.errorCode, reply.text));
  }
}
