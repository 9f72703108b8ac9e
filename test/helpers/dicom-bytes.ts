import fs from 'node:fs';
import type { Socket } from 'node:net';
import { LONG_VRS } from '../../src/dicom/data/element-encoding.js';

/** The data set of a Part 10 file: everything after the preamble and the file meta group. */
export function datasetBytes(file: string): Buffer {
  const buf = fs.readFileSync(file);
  const groupLength = buf.readUInt32LE(132 + 8);
  return buf.subarray(132 + 12 + groupLength);
}

/** A TCP proxy to `port` that cuts both sides once the client has sent `limit` bytes. */
export async function cuttingProxy(port: number, limit: number): Promise<{ port: number; close(): void }> {
  const net = await import('node:net');
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    let sent = 0;
    upstream.on('data', (d) => client.write(d));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (d: Buffer) => {
      if (sent + d.length <= limit) {
        sent += d.length;
        upstream.write(d);
        return;
      }
      upstream.write(d.subarray(0, limit - sent), () => {
        upstream.destroy();
        client.destroy();
      });
      sent = limit;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

/**
 * A TCP proxy to `port` that stops forwarding once the client has sent `limit` bytes and then
 * holds both connections open: a sender stalled in the middle of an instance.
 */
export async function stallingProxy(port: number, limit: number): Promise<{ port: number; close(): void }> {
  const net = await import('node:net');
  const sockets = new Set<Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    let sent = 0;
    upstream.on('data', (d) => client.write(d));
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (d: Buffer) => {
      const room = Math.max(0, limit - sent);
      if (room > 0) upstream.write(d.subarray(0, room));
      sent += d.length;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/**
 * A TCP proxy to `port` that forwards the client's first `limit` bytes, then holds the rest
 * until `resume()`: a sender paused in the middle of an instance, that goes on when told.
 */
export async function pausingProxy(port: number, limit: number): Promise<{ port: number; resume(): void; close(): void }> {
  const net = await import('node:net');
  const sockets = new Set<Socket>();
  const held: { upstream: Socket; data: Buffer[] }[] = [];
  let paused = true;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    const mine = { upstream, data: [] as Buffer[] };
    held.push(mine);
    let sent = 0;
    upstream.on('data', (d) => client.write(d));
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (d: Buffer) => {
      if (!paused) return void upstream.write(d);
      const room = Math.max(0, limit - sent);
      if (room > 0) upstream.write(d.subarray(0, room));
      if (d.length > room) mine.data.push(d.subarray(room));
      sent += d.length;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    resume: () => {
      paused = false;
      for (const h of held) for (const d of h.data.splice(0)) h.upstream.write(d);
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** One data element, little endian, in either VR encoding, its value written as given. */
export function encodeElement(group: number, element: number, vr: string, value: Buffer, opts: { implicit?: boolean; undefinedLength?: boolean } = {}): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  const length = opts.undefinedLength ? 0xffffffff : value.length;
  if (opts.implicit) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(length);
    return Buffer.concat([tag, len, value]);
  }
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 8 : 4);
  head.write(vr, 0, 'latin1');
  if (long) head.writeUInt32LE(length, 4);
  else head.writeUInt16LE(length, 2);
  return Buffer.concat([tag, head, value]);
}
