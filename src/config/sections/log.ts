import { z } from 'zod';

export const logSection = z
  .strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    /** auto (default): text when stdout is a terminal, json lines otherwise (a pipe, a file, a container's log). */
    format: z.enum(['auto', 'json', 'text']).default('auto'),
    /** Also write the log to this file (relative paths are under the data folder). */
    file: z.string().min(1).optional(),
  })
  .prefault({});

export type LogConfig = z.infer<typeof logSection>;
