import { z } from 'zod';

const pluginId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes');

/** The plugin host (src/plugins/, plugins/README.md). */
export const pluginsSection = z
  .strictObject({
    /**
     * Plugins to load, in order (a plugin still loads after those it depends on). The shipped
     * plugins/ folder and `folders` are searched; a plugin found but not listed stays off.
     */
    enabled: z.array(pluginId).default([]),
    /** Extra folders holding <id>/index.ts, e.g. a hospital's own plugins (relative to the working folder). */
    folders: z.array(z.string().min(1)).default([]),
    /** Each plugin's configuration section by id, validated by the plugin's own schema at load. */
    config: z.record(pluginId, z.unknown()).default({}),
    /** Time limit of event and lifecycle hooks; past it the host stops waiting and counts a timeout. */
    hookTimeoutMs: z.number().int().min(10).max(600_000).default(30_000),
    /** Time limit of filterIncomingStore: the scanner waits for it, so it is short. */
    filterTimeoutMs: z.number().int().min(10).max(60_000).default(2_000),
    /**
     * When a filter throws or runs past its limit: accept the instance (default; a broken
     * policy must not lose images from a scanner that may never resend them) or refuse it with
     * filterFailureStatus (0xA700, out of resources, which tells the sender to retry later).
     */
    onFilterFailure: z.enum(['accept', 'refuse']).default('accept'),
    filterFailureStatus: z.number().int().min(0xa700).max(0xa7ff).default(0xa700),
  })
  .prefault({});

export type PluginsConfig = z.infer<typeof pluginsSection>;
