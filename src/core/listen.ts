import type net from 'node:net';

/**
 * Starts a server listening and resolves once it is, or rejects with the listen error (port in
 * use, address not available) instead of leaving it to an 'error' event no one awaits.
 */
export function listen(server: net.Server, port: number, host?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops listening and closes the connections still open; resolves once the server has closed. */
export async function closeServer(server: net.Server | undefined, sockets: Iterable<net.Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
}
