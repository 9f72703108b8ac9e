import { z } from 'zod';

export const rulesSection = z
  .strictObject({
    /**
     * The site's routing rules (YAML or JSON), relative to the working folder. It overrides the
     * plugins' default rules by id (config/README.md). null: rules change through the API only.
     */
    file: z.string().min(1).nullable().default(null),
    /** Apply the file when it changes on disk, without a restart. */
    watch: z.boolean().default(true),
    /** Editors write a file in several steps: read it this long after the last change. */
    debounceMs: z.number().int().min(10).max(60_000).default(500),
  })
  .prefault({});

export type RulesConfig = z.infer<typeof rulesSection>;
