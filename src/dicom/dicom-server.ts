import net from 'node:net';
import tls from 'node:tls';
import dimse from './dimse.js';
import type { DicomConfig } from '../config/sections/dicom.js';
import type { Logger } from '../log/logger.js';
import type { InstanceStore } from '../store/instance-store.js';
import { VigilScp, type AssociationTracker, type ScpObserver } from './scp.js';
import type { MppsHandler } from './mpps-handler.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './uids.js';
import { listen } from '../listen.js';
import { readTlsFile } from '../config/tls-client.js';
import { describeError } from '../log/describe-error.js';

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
  private open = 0;
  private readonly tracker: AssociationTracker = {
    active: () => this.open,
    opened: () => void this.open++,
    closed: () => void this.open--,
  };

  constructor(
    private readonly config: DicomConfig,
    private readonly store: InstanceStore,
    private readonly log: Logger,
    private readonly observer?: ScpObserver,
    private readonly services: { mpps?: MppsHandler } = {},
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
    return this.open;
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
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await listen(server, this.config.port, this.config.host);
    server.on('error', (err) => this.log.error('DICOM listener error', { error: describeError(err) }));
    this.log.info('DICOM listener ready', { aeTitle: this.config.aeTitle, host: this.config.host, port: this.port });
  }

  private async startTls(config: TlsListenerConfig, options: tls.TlsOptions): Promise<void> {
    const server = tls.createServer(options);
    server.on('secureConnection', (socket) => this.accept(socket));
    // A failed handshake is the client's problem: its code, never its certificate's names.
    server.on('tlsClientError', (err: Error & { code?: string }) => this.log.warn('DICOM TLS handshake failed', { code: err.code ?? 'unknown' }));
    server.on('error', (err) => this.log.error('DICOM TLS listener error', { error: describeError(err) }));
    this.tlsServer = server;
    await listen(server, config.port, this.config.host);
    this.log.info('DICOM TLS listener ready', { aeTitle: this.config.aeTitle, host: this.config.host, port: this.tlsPort, plainListener: this.plainConfigured, clientCertificates: config.requireClientCert ? 'required' : config.caFile ? 'checked when sent' : 'not asked for' });
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

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // reported by the SCP as a network error
    const scp = new VigilScp(socket, {
      config: this.config,
      store: this.store,
      log: this.log,
      associations: this.tracker,
      observer: this.observer,
      mpps: this.services.mpps,
    });
    // dcmjs-dimse measures the association timeout from these; its own Server sets only the first.
    Object.assign(scp, { connected: true, connectedTime: Date.now() });
    this.connections.add(scp);
    socket.on('close', () => this.connections.delete(scp));
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
