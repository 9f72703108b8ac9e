import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { makeTempDir, removeDir } from './tmp.js';

/** A free loopback port: bound by the OS, then released for the peer to take. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * DCMTK's storescp as the peer a node sends to: it writes what it receives into a temp folder.
 * `stop()` ends it (the node's peer goes down); `start()` brings it back on the same port.
 */
export class StoreScp {
  readonly dir = makeTempDir('vigil-storescp-');
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly aeTitle = 'PACS',
    /** DICOM over TLS with this key and certificate (PEM files); client certificates are not asked for. */
    private readonly tls?: { keyFile: string; certFile: string },
  ) {}

  async start(): Promise<void> {
    const tlsArgs = this.tls ? ['+tls', this.tls.keyFile, this.tls.certFile, '--ignore-peer-cert'] : [];
    const child = spawn('storescp', [...tlsArgs, '-aet', this.aeTitle, '-od', this.dir, '-uf', String(this.port)], {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: 'ignore',
    });
    this.child = child;
    // Listening once a connection succeeds.
    for (;;) {
      if (child.exitCode !== null) throw new Error(`storescp exited with ${child.exitCode}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Files received so far. */
  files(): string[] {
    return fs.readdirSync(this.dir);
  }

  async dispose(): Promise<void> {
    await this.stop();
    removeDir(this.dir);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `condition` until it holds; fails after `limitMs` (a bound on waiting, not a timing assertion). */
export async function waitFor(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
