import fs from 'node:fs';
import type tls from 'node:tls';
import { VigilError } from '../core/errors.js';

export interface TlsClientConfig {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  servername?: string | undefined;
}

/**
 * TLS client options from a `tls` block of the configuration (an alert destination, a DICOM
 * modality); the files are read when called: once per channel, once per forward.
 */
export function tlsClientOptions(config: TlsClientConfig | undefined): tls.ConnectionOptions | undefined {
  if (!config) return undefined;
  const read = (file: string | undefined, what: string): Buffer | undefined => (file ? readTlsFile(file, `the ${what} file`) : undefined);
  const options: tls.ConnectionOptions = { rejectUnauthorized: true };
  const ca = read(config.caFile, 'CA');
  const cert = read(config.certFile, 'certificate');
  const key = read(config.keyFile, 'key');
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (config.servername) options.servername = config.servername;
  return options;
}

/** A PEM file the configuration names; unreadable, it is a configuration error that says which. */
export function readTlsFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `cannot read ${what} ${file}`, { cause: err });
  }
}
