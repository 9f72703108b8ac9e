import { z } from 'zod';

export const logSection = z
  .strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    /** json for machines (default), text for a terminal. */
    format: z.enum(['json', 'text']).default('json'),
    /** Also write the log to this file (relative paths are under the data folder). */
    file: z.string().min(1).optional(),
  })
  .prefault({});

export type LogConfig = z.infer<typeof logSection>;
