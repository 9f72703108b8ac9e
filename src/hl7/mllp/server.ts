import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './framing.js';
import { closeServer, listen } from '../../core/listen.js';

export interface MllpPeer {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  /** Sequence number of the connection since the server started (1-based). */
  connection: number;
}

/**
 * Answers one received message. Return the answer (usually an ACK) to send back, or null to
 * send nothing. Throwing closes the connection: a listener that cannot answer must not leave
 * the peer waiting on a half-dead socket.
 */
export type MllpHandler = (message: string, peer: MllpPeer) => string | null | Promise<string | null>;

export interface MllpServerOptions {
  host: string;
  /** 0 asks the OS for a free port (tests). */
  port: number;
  /** TLS key and certificate; absent means plain TCP. */
  tls?: tls.TlsOptions | undefined;
  maxFrameBytes?: number;
  handler: MllpHandler;
  log?: Logger;
}

/**
 * The receiving side of MLLP. Messages on one connection are handled one after the other, in
 * the order received, and answered in that order; connections are independent.
 */
export class MllpServer {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private connectionCount = 0;
  private readonly log: Logger;

  constructor(private readonly opts: MllpServerOptions) {
    this.log = opts.log ?? silentLogger();
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** Connections accepted since start. */
  get connectionsAccepted(): number {
    return this.connectionCount;
  }

  async start(): Promise<void> {
    const onSocket = (socket: net.Socket): void => this.accept(socket);
    const server = this.opts.tls ? tls.createServer(this.opts.tls, onSocket) : net.createServer(onSocket);
    // A failed TLS handshake is the client's problem; log its code and carry on listening.
    server.on('tlsClientError', (err: Error & { code?: string }) => this.log.warn('MLLP TLS handshake failed', { code: err.code }));
    await listen(server, this.opts.port, this.opts.host);
    this.server = server;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server, this.sockets);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const peer: MllpPeer = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, connection: ++this.connectionCount };
    const decoder = new FrameDecoder(this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let frames: string[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.log.warn('MLLP frame refused, closing the connection', { code: (err as { code?: string }).code, connection: peer.connection });
        socket.destroy();
        return;
      }
      for (const frame of frames) chain = chain.then(() => this.answer(socket, frame, peer));
    });
    socket.on('error', (err: Error & { code?: string }) => this.log.debug('MLLP connection error', { code: err.code, connection: peer.connection }));
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async answer(socket: net.Socket, frame: string, peer: MllpPeer): Promise<void> {
    if (socket.destroyed) return;
    try {
      const reply = await this.opts.handler(frame, peer);
      if (reply !== null && !socket.destroyed) socket.write(encodeFrame(reply));
    } catch (err) {
      // Never the message text: it carries patient data.
      this.log.error('MLLP handler failed, closing the connection', { code: (err as { code?: string }).code, connection: peer.connection });
      socket.destroy();
    }
  }
}
