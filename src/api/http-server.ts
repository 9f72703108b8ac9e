import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { HttpConfig } from '../config/sections/http.js';
import type { Logger } from '../log/logger.js';
import { listen } from '../core/listen.js';

/** Serves the app over HTTP, or HTTPS when a certificate and key are configured. */
export class HttpServer {
  private server: http.Server | undefined;

  constructor(
    private readonly config: HttpConfig,
    private readonly app: Express,
    private readonly log: Logger,
  ) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.config.port;
  }

  async start(): Promise<void> {
    const tls = this.config.tls;
    const server = tls ? https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }, this.app) : http.createServer(this.app);
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    this.server = server;
    await listen(server, this.config.port, this.config.host);
    this.log.info('HTTP API ready', { host: this.config.host, port: this.port, tls: Boolean(tls) });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    });
  }
}
