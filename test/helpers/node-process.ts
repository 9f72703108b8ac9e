import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** package.json's `start` script: its process settings (thread pool, V8 heap) are part of how the node runs. */
const START_SCRIPT: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;

/** A free loopback port (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface NodeProcess {
  child: ChildProcess;
  dicomPort: number;
  httpPort: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Runs the node as `npm start` does, with its very script (`sh -c`, which the script's `exec`
 * turns into the node process itself, so a signal reaches the node), on the given data folder
 * and free loopback ports. For crash and end-to-end tests.
 */
export async function startNodeProcess(dataDir: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  const dicomPort = Number(env.VIGIL_DICOM_PORT ?? (await freePort()));
  const httpPort = Number(env.VIGIL_HTTP_PORT ?? (await freePort()));
  const child = spawn('/bin/sh', ['-c', START_SCRIPT], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, // this Node, as npm would
      VIGIL_CONFIG: path.join(ROOT, 'config/vigil.yaml'),
      VIGIL_DATA_DIR: dataDir,
      VIGIL_DICOM_HOST: '127.0.0.1',
      VIGIL_HTTP_HOST: '127.0.0.1',
      VIGIL_DICOM_PORT: String(dicomPort),
      VIGIL_HTTP_PORT: String(httpPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: NodeProcess = {
    child,
    dicomPort,
    httpPort,
    output: () => out,
    exited,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`node exited (${child.exitCode}) before ${pattern}: ${out.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  // A node without the `dicom` role (VIGIL_ROLES) opens no DICOM port: its HTTP listener then
  // says it is up, and 'Vigil ready' that every part started.
  const roles = env.VIGIL_ROLES?.split(',').map((r) => r.trim());
  if (roles && !roles.includes('dicom')) {
    await waitForListener(proc, httpPort);
    await proc.waitForOutput(/Vigil ready/);
  } else await waitForListener(proc, dicomPort);
  return proc;
}

/** The DICOM listener opens last, so a TCP connection to it means the node is ready. */
async function waitForListener(proc: NodeProcess, port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (proc.child.exitCode !== null) throw new Error(`node exited (${proc.child.exitCode}): ${proc.output().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`node not ready after ${timeoutMs} ms: ${proc.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
