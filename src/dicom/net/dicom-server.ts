import net from 'node:net';
import tls from 'node:tls';
import dimse from './dimse.js';
import type { DicomConfig } from '../../config/sections/dicom.js';
import type { Logger } from '../../log/logger.js';
import type { InstanceStore } from '../../store/instance-store.js';
import { VigilScp, type ScpObserver } from './scp.js';
import { AssociationCounts, peerAddress } from './association-counts.js';
import type { MppsHandler } from './mpps-handler.js';
import type { QueryRetrieve } from './query/query-retrieve.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../data/uids.js';
import { listen } from '../../core/listen.js';
import { readTlsFile } from '../../config/tls-client.js';
import { describeError } from '../../log/describe-error.js';

/**
 * The DICOM listener. It owns the TCP server itself (dcmjs-dimse's Server binds every
 * interface and offers no host option) and hands each connection to a VigilScp; with
 * `dicom.tls`, a second listener does the same for DICOM over TLS (the SCP sees the decrypted
 * stream, so everything after the handshake is the same path). With `dicom.tls.only` the TLS
 * listener is the only one.
 */
export class DicomServer {
  private server: net.Server | undefined;
  private tlsServer: tls.Server | undefined;
  /** Every open connection (associated or not yet), for the drain at a stop. */
  private readonly connections = new Set<VigilScp>();
  private readonly counts = new AssociationCounts();
  /** Addresses whose surplus connections are being closed, so that a flood logs once, not per connection. */
  private readonly flooding = new Set<string>();

  constructor(
    private readonly config: DicomConfig,
    private readonly store: InstanceStore,
    private readonly log: Logger,
    private readonly observer?: ScpObserver,
    private readonly services: { mpps?: MppsHandler; queryRetrieve?: QueryRetrieve } = {},
  ) {}

  /** Every configured listener is up: the plain one unless `dicom.tls.only`, the TLS one with `dicom.tls`. */
  get listening(): boolean {
    const plainUp = !this.plainConfigured || (this.server?.listening ?? false);
    return plainUp && (!this.config.tls || (this.tlsServer?.listening ?? false));
  }

  private get plainConfigured(): boolean {
    return !this.config.tls?.only;
  }

  get activeAssociations(): number {
    return this.counts.active;
  }

  /** The plain listener's bound port (useful when configured as 0 in tests). A node with `dicom.tls.only` has none: asking is a bug. */
  get port(): number {
    if (!this.plainConfigured) throw new Error('no plain DICOM listener: dicom.tls.only is set');
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.config.port;
  }

  /** The TLS listener's bound port, when there is one. */
  get tlsPort(): number | undefined {
    const address = this.tlsServer?.address();
    return address && typeof address === 'object' ? address.port : this.config.tls?.port;
  }

  async start(): Promise<void> {
    // The TLS files are read first: a bad one stops the start before anything listens.
    const tlsOptions = this.config.tls && serverTlsOptions(this.config.tls);
    dimse.Implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
    dimse.Implementation.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
    dimse.Implementation.setMaxPduLength(this.config.maxPduLength);
    if (this.plainConfigured) await this.startPlain();
    if (!this.config.tls || !tlsOptions) return;
    try {
      await this.startTls(this.config.tls, tlsOptions);
    } catch (err) {
      await this.stop(); // the plain listener too: a node starts whole or not at all
      throw err;
    }
  }

  private async startPlain(): Promise<void> {
    const server = net.createServer((socket) => {
      const stopWaiting = this.admit(socket);
      if (stopWaiting) this.accept(socket, stopWaiting);
    });
    this.server = server;
    await listen(server, this.config.port, this.config.host);
    server.on('error', (err) => this.log.error('DICOM listener error', { error: describeError(err) }));
    this.log.info('DICOM listener ready', { aeTitle: this.config.aeTitle, host: this.config.host, port: this.port });
  }

  private async startTls(config: TlsListenerConfig, options: tls.TlsOptions): Promise<void> {
    // A handshake is bounded like the wait for the A-ASSOCIATE-RQ it comes before.
    const server = tls.createServer({ ...options, handshakeTimeout: this.config.timeouts.associationMs });
    // Counted from the TCP connection, before its handshake; the TLS socket that comes out of
    // it has the same remote address and port, which find its count again.
    const handshaking = new Map<string, () => void>();
    server.prependListener('connection', (raw: net.Socket) => {
      const stopWaiting = this.admit(raw);
      if (!stopWaiting) return;
      const key = `${raw.remoteAddress}:${raw.remotePort}`;
      handshaking.set(key, stopWaiting);
      raw.once('close', () => {
        stopWaiting();
        if (handshaking.get(key) === stopWaiting) handshaking.delete(key);
      });
    });
    server.on('secureConnection', (socket) => {
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      const stopWaiting = handshaking.get(key);
      handshaking.delete(key);
      if (stopWaiting) this.accept(socket, stopWaiting);
      else socket.destroy(); // not seen connecting: cannot happen, never served uncounted
    });
    // A failed handshake is the client's problem: its code, never its certificate's names. With a
    // listener here Node leaves the socket open (a timed-out handshake included): close it.
    // A reset before the handshake is a TCP probe or a surplus connection closed by admit():
    // debug, so that a flood is not logged once per connection.
    server.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => {
      const level = err.code === 'ECONNRESET' ? 'debug' : 'warn';
      this.log[level]('DICOM TLS handshake failed', { code: err.code ?? 'unknown' });
      socket.destroy();
    });
    server.on('error', (err) => this.log.error('DICOM TLS listener error', { error: describeError(err) }));
    this.tlsServer = server;
    await listen(server, config.port, this.config.host);
    this.log.info('DICOM TLS listener ready', {
      aeTitle: this.config.aeTitle,
      host: this.config.host,
      port: this.tlsPort,
      plainListener: this.plainConfigured,
      clientCertificates: config.requireClientCert ? 'required' : config.caFile ? 'checked when sent' : 'not asked for',
    });
  }

  /**
   * Stops accepting at once (a new connection is refused by the OS), then drains every open
   * connection (VigilScp.drain): C-STOREs under way are stored and answered within
   * `timeouts.drainMs`, then the association is aborted. An instance not acknowledged by then is
   * dropped, never half-stored. Resolves when every connection is closed and every store landed.
   */
  async stop(): Promise<void> {
    const servers = [this.server, this.tlsServer].filter((s): s is net.Server => s !== undefined);
    if (servers.length === 0) return;
    this.server = undefined;
    this.tlsServer = undefined;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    const open = [...this.connections];
    this.log.info('DICOM listener closed', { draining: open.length });
    await Promise.all(open.map((scp) => scp.drain(this.config.timeouts.drainMs)));
    await closed;
  }

  /**
   * A new TCP connection, on either listener. An address may have at most
   * `maxAssociationsPerAddress` connections waiting to ask for an association (TLS handshake
   * included): past that, one is closed unread, so that a peer opening sockets and sending nothing
   * cannot run the node out of file descriptors (each waits at most `timeouts.associationMs`).
   * Returns the end of its wait, or undefined when it was closed. The association limits
   * themselves are answered with an A-ASSOCIATE-RJ (association-policy.ts).
   */
  private admit(socket: net.Socket): (() => void) | undefined {
    socket.on('error', () => undefined); // reported by the SCP as a network error
    const address = peerAddress(socket.remoteAddress);
    if (this.counts.waitingFrom(address) >= this.config.maxAssociationsPerAddress) {
      if (!this.flooding.has(address)) {
        this.flooding.add(address);
        this.log.warn('connections closed unread: too many waiting to associate from one address', {
          remote: address,
          limit: this.config.maxAssociationsPerAddress,
        });
      }
      this.observer?.connectionCut?.('waiting-limit');
      socket.destroy();
      return undefined;
    }
    this.flooding.delete(address);
    return this.counts.startWaiting(address);
  }

  /** Hands an admitted connection to a VigilScp; its wait ends with its A-ASSOCIATE-RQ or its close. */
  private accept(socket: net.Socket, stopWaiting: () => void): void {
    socket.on('error', () => undefined); // reported by the SCP as a network error
    socket.setNoDelay(true);
    const scp = new VigilScp(socket, {
      config: this.config,
      store: this.store,
      log: this.log,
      associations: this.counts,
      observer: this.observer,
      mpps: this.services.mpps,
      queryRetrieve: this.services.queryRetrieve,
    });
    scp.once('associationRequested', stopWaiting);
    this.connections.add(scp);
    socket.on('close', () => {
      stopWaiting();
      this.connections.delete(scp);
    });
  }
}

type TlsListenerConfig = NonNullable<DicomConfig['tls']>;

function serverTlsOptions(config: TlsListenerConfig): tls.TlsOptions {
  return {
    cert: readTlsFile(config.certFile, 'dicom.tls.certFile'),
    key: readTlsFile(config.keyFile, 'dicom.tls.keyFile'),
    ...(config.caFile && { ca: readTlsFile(config.caFile, 'dicom.tls.caFile') }),
    // Asked for whenever a CA is configured; required only when the site says so.
    requestCert: config.caFile !== undefined,
    rejectUnauthorized: config.requireClientCert,
    minVersion: 'TLSv1.2',
  };
}
