import net from 'node:net';
import dimse from './dimse.js';
import type { DicomConfig } from '../config/sections/dicom.js';
import type { Logger } from '../log/logger.js';
import type { InstanceStore } from '../store/instance-store.js';
import { VigilScp, type AssociationTracker, type ScpObserver } from './scp.js';
import type { MppsHandler } from './mpps-handler.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './uids.js';
import { listen } from '../listen.js';

/**
 * The DICOM listener. It owns the TCP server itself (dcmjs-dimse's Server binds every
 * interface and offers no host option) and hands each connection to a VigilScp.
 */
export class DicomServer {
  private server: net.Server | undefined;
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

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  get activeAssociations(): number {
    return this.open;
  }

  /** The bound port (useful when configured as 0 in tests). */
  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : this.config.port;
  }

  async start(): Promise<void> {
    dimse.Implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
    dimse.Implementation.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
    dimse.Implementation.setMaxPduLength(this.config.maxPduLength);
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await listen(server, this.config.port, this.config.host);
    server.on('error', (err) => this.log.error('DICOM listener error', { error: err.message }));
    this.log.info('DICOM listener ready', { aeTitle: this.config.aeTitle, host: this.config.host, port: this.port });
  }

  /**
   * Stops accepting at once (a new connection is refused by the OS), then drains every open
   * connection (VigilScp.drain): C-STOREs under way are stored and answered within
   * `timeouts.drainMs`, then the association is aborted. An instance not acknowledged by then is
   * dropped, never half-stored. Resolves when every connection is closed and every store landed.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
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
