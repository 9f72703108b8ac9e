import type { VigilConfig } from './schema.js';

/** A listener on every interface (0.0.0.0, ::) is reached from this machine on loopback. */
export function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

/** Where a browser or a client on this machine finds the node's HTTP port (no trailing slash). */
export function httpBaseUrl(http: VigilConfig['http'], port: number): string {
  const host = reachableHost(http.host);
  return `${http.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
