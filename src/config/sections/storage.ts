import { z } from 'zod';

export const storageSection = z
  .strictObject({
    /**
     * fsync every instance before acknowledging it. Turning this off trades durability on
     * power loss for speed; a kill -9 loses nothing either way.
     */
    fsync: z.boolean().default(true),
    /** Refuse new instances (out of resources) when free space falls below this many MB. */
    minFreeMb: z.number().int().min(0).default(512),
  })
  .prefault({});

export type StorageConfig = z.infer<typeof storageSection>;
