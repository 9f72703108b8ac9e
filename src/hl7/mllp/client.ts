import net from 'node:net';
import tls from 'node:tls';
import { VigilError, isTlsFailure, systemErrorCode } from '../../core/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './framing.js';

export interface MllpClientOptions {
  host: string;
  port: number;
  /** TLS options; absent means plain TCP. */
  tls?: tls.ConnectionOptions | undefined;
  connectTimeoutMs: number;
  /** How long a peer may take to answer one message. */
  responseTimeoutMs: number;
  /** Close the connection after this long without traffic (many interface engines drop idle sockets anyway). */
  idleTimeoutMs?: number;
  maxFrameBytes?: number;
}

export interface SendOptions {
  /**
   * Says whether a received frame answers this message (usually: MSA-2 equals our MSH-10).
   * Frames that do not are dropped: a peer that acknowledges twice must not have its second
   * ACK taken as the answer to our next message.
   */
  isReply: (frame: string) => boolean;
  signal?: AbortSignal | undefined;
}

interface Waiter {
  isReply: (frame: string) => boolean;
  resolve(frame: string): void;
  reject(err: Error): void;
}

/**
 * The sending side of MLLP: one connection, reused across messages, one message in flight at
 * a time (HL7 original mode is request/answer, and our deliveries are ordered). A lost
 * connection is reopened on the next send. Errors are VigilErrors with MLLP_* codes so the
 * caller's retry policy can decide on them.
 */
export class MllpClient {
  private socket: net.Socket | undefined;
  private decoder: FrameDecoder | undefined;
  private waiter: Waiter | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Connections opened so far (to show reuse). */
  connects = 0;
  /** Frames received that answered no message of ours (duplicate or stray ACKs). */
  ignoredFrames = 0;

  constructor(private readonly opts: MllpClientOptions) {}

  /** Sends one message and resolves with the frame that answers it. Calls are served in order. */
  send(message: string, opts: SendOptions): Promise<string> {
    const run = this.queue.then(() => this.exchange(message, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Opens a connection (TLS included, when configured) and closes it again: the peer is there. */
  async probe(signal?: AbortSignal): Promise<void> {
    const socket = await this.connect(signal);
    socket.destroy();
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop(new VigilError('MLLP_CONNECTION_CLOSED', 'the MLLP client was closed'));
  }

  private async exchange(message: string, opts: SendOptions): Promise<string> {
    if (this.closed) throw new VigilError('MLLP_CONNECTION_CLOSED', 'the MLLP client was closed');
    opts.signal?.throwIfAborted();
    const socket = await this.connection(opts.signal);
    socket.setTimeout(0);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A late answer could still arrive; closing the connection keeps it out of the next exchange.
        this.drop(new VigilError('MLLP_TIMEOUT', `no answer within ${this.opts.responseTimeoutMs} ms`));
      }, this.opts.responseTimeoutMs);
      const onAbort = (): void => this.drop(abortError(opts.signal));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        if (this.opts.idleTimeoutMs) this.socket?.setTimeout(this.opts.idleTimeoutMs);
      };
      this.waiter = {
        isReply: opts.isReply,
        resolve: (frame) => {
          settle();
          resolve(frame);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      socket.write(encodeFrame(message), (err) => {
        if (err) this.drop(new VigilError('MLLP_CONNECTION_CLOSED', 'the connection failed while sending', { cause: err }));
      });
    });
  }

  /** The open connection, or a new one. */
  private async connection(signal: AbortSignal | undefined): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = await this.connect(signal);
    this.connects++;
    this.socket = socket;
    this.decoder = new FrameDecoder(this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('timeout', () => {
      if (!this.waiter) socket.destroy();
    });
    socket.on('error', () => undefined); // 'close' follows and settles any waiter
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.waiter?.reject(new VigilError('MLLP_CONNECTION_CLOSED', 'the peer closed the connection before answering'));
    });
    return socket;
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (this.socket !== socket || !this.decoder) return;
    let frames: string[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.drop(err as Error);
      return;
    }
    for (const frame of frames) {
      if (this.waiter?.isReply(frame)) this.waiter.resolve(frame);
      else this.ignoredFrames++;
    }
  }

  /** Closes the connection and fails the message in flight with `err`. */
  private drop(err: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.waiter?.reject(err);
    socket?.destroy();
  }

  private connect(signal: AbortSignal | undefined): Promise<net.Socket> {
    const { host, port, connectTimeoutMs } = this.opts;
    const secure = this.opts.tls !== undefined;
    return new Promise((resolve, reject) => {
      let tcpUp = false;
      const socket = secure ? tls.connect({ ...this.opts.tls, host, port }) : net.connect({ host, port });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('connect');
        socket.removeAllListeners('secureConnect');
        socket.removeListener('error', onError);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(socket);
      };
      const onError = (err: Error): void => {
        const tlsStage = secure && (tcpUp || isTlsFailure(err));
        finish(
          tlsStage
            ? new VigilError('MLLP_TLS_FAILED', `TLS with ${host}:${port} failed (${systemErrorCode(err) ?? 'handshake'})`, { cause: err })
            : new VigilError('MLLP_CONNECT_FAILED', `cannot connect to ${host}:${port} (${systemErrorCode(err) ?? 'error'})`, { cause: err }),
        );
      };
      const onAbort = (): void => finish(abortError(signal));
      const timer = setTimeout(
        () => finish(new VigilError(tcpUp && secure ? 'MLLP_TLS_FAILED' : 'MLLP_TIMEOUT', `no connection to ${host}:${port} within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('error', onError);
      socket.once('connect', () => {
        tcpUp = true;
        if (!secure) finish();
      });
      if (secure) socket.once('secureConnect', () => finish());
    });
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
