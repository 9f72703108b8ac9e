import net from 'node:net';
import { z } from 'zod';
import { port } from './dicom.js';

export const httpSection = z
  .strictObject({
    /** Loopback by default: expose the API on purpose, behind TLS and tokens. */
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8042),
    tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Largest JSON request body, bytes. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(1024 * 1024),
    /**
     * Reverse proxies whose X-Forwarded-For is believed (IPs, CIDRs, or loopback / linklocal /
     * uniquelocal). Empty: the socket's address is the client's, whatever headers say. The audit
     * trail and the failure throttle use the address this yields.
     */
    trustProxy: z.array(z.string().refine(isProxyAddress, 'an IP address, a CIDR range, or loopback / linklocal / uniquelocal')).default([]),
  })
  .prefault({});

export type HttpConfig = z.infer<typeof httpSection>;

function isProxyAddress(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, bits, ...rest] = value.split('/');
  const family = net.isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}
