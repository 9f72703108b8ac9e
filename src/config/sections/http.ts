import { z } from 'zod';
import { port } from './dicom.js';

export const httpSection = z
  .strictObject({
    /** Loopback by default: expose the API on purpose, behind TLS and tokens. */
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8042),
    tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Largest JSON request body, bytes. */
    maxBodyBytes: z.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  })
  .prefault({});

export type HttpConfig = z.infer<typeof httpSection>;
